#include "sentiment/finance/finance_lexicon.h"

#include <array>

namespace stockpulse {
namespace {

// Value scale (VADER's, where human raters scored words from -4 to +4; see README.md):
//   +-2.5 .. 3.0  unambiguous, strong market outcome (bankruptcy, short squeeze, to the moon)
//   +-1.8 .. 2.5  clear direction (bullish, plunge, upgrade, beat estimates)
//   +-1.0 .. 1.5  leaning direction, usually but not always directional (rise, calls, cheap)
//   +-0.5 .. 0.8  weak hints that only matter in aggregate (up, down, long, red, green)
//    0            neutralises a general-English sentiment word that is a plain term in finance
// VADER's compound passes the +-0.05 label thresholds with a single item of |valence| >= 0.2, so
// small values still decide a post that has no other sentiment word; bigger values win when a post
// mixes a finance term with general-English words.
constexpr FinanceTerm kWords[] = {
    // --- Stance words: the vocabulary traders use to declare a view. ---
    {"bullish", 2.8},  // the canonical positive stance; as strong as "great" (3.1) in VADER
    {"bearish", -2.8},
    {"bull", 1.5},    // a bull is an optimist; weaker than "bullish" because it is also a noun
    {"bulls", 1.2},   // "bulls in control"; often the subject of others' verbs, so weaker
    {"bear", -1.5},   // also what the bear emoji becomes after emoji translation
    {"bears", -1.0},  // frequently mocked ("bears trapped"), hence weaker than "bear"
    {"long", 0.8},    // "long $X" = owns it; general senses ("long term") neutralised by phrases
    {"short", -1.3},  // "short $X" = bets on a fall; "short squeeze"/"short term" are phrases
    {"shorting", -1.6},
    {"shorted", -1.2},
    {"hodl", 1.5},  // meme spelling of "hold" that always means refusing to sell into weakness
    {"accumulate", 1.5},  // buying over time: a bullish action
    {"accumulating", 1.5},
    {"accumulation", 1.0},
    {"buy", 1.0},  // a recommendation or action to own; weak because of questions ("buy here?")
    {"buying", 1.0},
    {"bought", 0.8},
    {"sell", -1.0},
    {"selling", -1.0},
    {"sold", -0.8},
    {"adding", 0.8},  // "adding to my position"
    {"added", 0.5},   // also "added to the index", mildly positive too
    {"trim", -0.8},   // reducing a position
    {"trimmed", -0.8},
    {"trimming", -0.8},
    {"avoid", -1.5},  // "avoid this stock": stronger in a market than in daily speech

    // --- Price moves, as headlines and posts report them. Up-moves. ---
    {"rally", 2.0},
    {"rallies", 2.0},
    {"rallied", 2.0},
    {"rallying", 2.0},
    {"surge", 2.2},
    {"surges", 2.2},
    {"surged", 2.2},
    {"surging", 2.2},
    {"soar", 2.5},
    {"soars", 2.5},
    {"soared", 2.5},
    {"soaring", 2.5},
    {"skyrocket", 3.0},
    {"skyrocketed", 3.0},
    {"skyrocketing", 3.0},
    {"jump", 1.5},
    {"jumps", 1.5},
    {"jumped", 1.5},
    {"climb", 1.3},
    {"climbs", 1.3},
    {"climbed", 1.3},
    {"climbing", 1.3},
    {"rise", 1.2},
    {"rises", 1.2},
    {"rose", 1.2},
    {"rising", 1.2},
    {"rebound", 1.5},  // recovery after a fall
    {"rebounds", 1.5},
    {"rebounded", 1.5},
    {"bounce", 1.2},  // weaker than rebound: bounces often fail ("dead cat bounce" is a phrase)
    {"bounced", 1.2},
    {"bouncing", 1.2},
    {"ripping", 2.5},  // slang for a fast rise ("rip" alone is left alone: it also means RIP)
    {"rips", 2.0},
    {"breakout", 2.0},  // price leaving a range upward, a buy signal in chart talk
    {"breakouts", 2.0},
    {"uptrend", 1.8},
    {"upside", 1.2},
    {"higher", 0.8},  // "going higher"; weak because costs and rates can be higher too
    {"highs", 1.0},   // "new highs", "higher highs"
    {"up", 0.7},      // "up 12%": the commonest move word, weak because of "set up", "up to"
    {"green", 0.6},   // a rising day is green on every chart
    {"moon", 2.5},    // "to the moon", and the full-moon emoji
    {"mooning", 2.8},
    {"rocket", 2.0},  // the rocket emoji is the commonest bullish emoji
    {"rockets", 2.0},
    {"squeeze", 1.5},  // almost always a short squeeze in stock talk; "margin squeeze" is a phrase
    {"squeezing", 1.5},
    {"stonks", 1.0},   // ironic, but used when things go up
    {"tendies", 2.0},  // slang for trading profits
    {"lambo", 1.5},    // the proverbial purchase after a big win
    {"lfg", 2.0},      // "let's f-ing go", a cheer
    {"wagmi", 1.5},    // "we're all gonna make it"
    {"btfd", 2.0},     // "buy the f-ing dip"
    {"pumping", 1.0},  // a rising price; fraud senses are the phrase "pump and dump"
    {"fire", 0.8},  // VADER has -1.4; in posts the fire emoji means "hot"; "under fire" is a phrase
    {"lit", 1.5},
    {"monster", 1.5},  // "monster quarter"
    {"beast", 1.5},

    // --- Price moves: down-moves. ---
    {"fall", -1.5},
    {"falls", -1.5},
    {"fell", -1.5},
    {"falling", -1.5},  // VADER has -0.6; a falling price is plainly negative here
    {"drop", -1.5},
    {"drops", -1.5},
    {"dropped", -1.5},
    {"dropping", -1.5},
    {"decline", -1.5},
    {"declines", -1.5},
    {"declined", -1.5},
    {"declining", -1.5},
    {"slide", -1.5},
    {"slides", -1.5},
    {"slid", -1.5},
    {"sliding", -1.5},
    {"sink", -1.8},
    {"sinks", -1.8},
    {"sank", -1.8},
    {"sinking", -1.8},
    {"slump", -2.0},
    {"slumps", -2.0},
    {"slumped", -2.0},
    {"tumble", -2.2},
    {"tumbles", -2.2},
    {"tumbled", -2.2},
    {"tumbling", -2.2},
    {"plunge", -2.5},
    {"plunges", -2.5},
    {"plunged", -2.5},
    {"plunging", -2.5},
    {"plummet", -2.8},
    {"plummets", -2.8},
    {"plummeted", -2.8},
    {"plummeting", -2.8},
    {"crash", -2.8},  // VADER has -1.7 (a car crash is sad); a market crash is the worst case
    {"crashes", -2.8},
    {"crashed", -2.8},
    {"crashing", -2.8},
    {"tank", -2.2},  // slang for a steep fall
    {"tanks", -2.2},
    {"tanked", -2.2},
    {"tanking", -2.5},
    {"dump", -2.0},  // VADER has -1.6; selling hard
    {"dumps", -2.0},
    {"dumped", -2.0},
    {"dumping", -2.0},
    {"selloff", -2.0},
    {"sell-off", -2.0},
    {"bleed", -2.0},  // slow steady losses
    {"bleeding", -2.0},
    {"bled", -2.0},
    {"dipped", -1.0},  // a small fall; "buy the dip" is a phrase with the opposite sign
    {"dipping", -1.0},
    {"breakdown", -1.8},  // price leaving a range downward
    {"downtrend", -1.8},
    {"downside", -1.2},
    {"lower", -0.8},  // VADER has -1.2; symmetric with "higher"
    {"lows", -1.0},
    {"low", -0.6},   // VADER has -1.1; "low P/E" is not bad news, "new lows" is a phrase
    {"down", -0.7},  // "down 20%": mirror of "up"
    {"red", -0.6},   // a falling day is red
    {"collapsing", -2.5},
    {"capitulation", -2.0},  // the final wave of panic selling
    {"correction", -1.0},    // a fall of 10% or more
    {"downturn", -1.8},
    {"slowdown", -1.5},
    {"slowing", -1.0},
    {"decelerating", -1.5},
    {"deceleration", -1.5},
    {"weakening", -1.5},
    {"toppy", -1.5},  // price looks like it is topping out
    {"frothy", -1.2},
    {"overbought", -1.0},  // chart term: likely to pull back
    {"oversold", 1.0},     // chart term: likely to bounce, so mildly bullish despite "sold"
    {"rekt", -2.5},        // "wrecked": big trading losses
    {"ngmi", -1.5},        // "not gonna make it"
    {"rugged", -2.0},      // as in "rug pull"
    {"rug", -1.5},
    {"bagholder", -2.0},  // someone stuck holding a losing position
    {"bagholders", -2.0},
    {"bagholding", -2.0},
    {"liquidated", -2.5},
    {"liquidation", -2.0},
    {"bloodbath", -3.0},
    {"carnage", -2.8},
    {"oof", -1.0},
    {"yikes", -1.0},
    {"ouch", -1.0},

    // --- Analyst actions and valuation. ---
    {"upgrade", 2.0},
    {"upgraded", 2.0},
    {"upgrades", 2.0},
    {"downgrade", -2.0},
    {"downgraded", -2.0},
    {"downgrades", -2.0},
    {"outperform", 2.0},
    {"outperformed", 2.0},
    {"outperforming", 2.0},
    {"underperform", -2.0},
    {"underperformed", -2.0},
    {"underperforming", -2.0},
    {"overweight", 1.5},  // a rating, not a body weight
    {"underweight", -1.5},
    {"undervalued", 2.0},
    {"underpriced", 1.5},
    {"overvalued", -2.0},
    {"overpriced", -1.8},
    {"cheap", 1.0},  // of a stock, "cheap" means "worth buying"
    {"expensive", -1.0},

    // --- Results and guidance. ---
    {"beat", 1.8},  // "beat estimates"; not in VADER at all
    {"beats", 1.8},
    {"beating", 1.5},  // VADER has -2.0 (a beating); in results talk it is "beating estimates"
    {"miss", -1.8},    // VADER has -0.6 ("I miss you"); an earnings miss is clearly negative
    {"missed", -2.0},
    {"misses", -1.8},
    {"exceed", 1.8},
    {"exceeded", 2.0},
    {"exceeds", 2.0},
    {"outpace", 1.5},
    {"outpaced", 1.5},
    {"profitable", 1.9},
    {"reaccelerating", 2.0},
    {"reacceleration", 2.0},
    {"accelerating", 1.5},
    {"acceleration", 1.2},
    {"tailwind", 1.5},
    {"tailwinds", 1.5},
    {"headwind", -1.5},
    {"headwinds", -1.5},
    {"buyback", 2.0},  // returning cash; supports the price
    {"buybacks", 2.0},
    {"repurchase", 1.5},
    {"writedown", -2.0},
    {"write-down", -2.0},
    {"impairment", -2.0},
    {"dilution", -2.0},  // new shares shrink every holder's slice
    {"dilutive", -2.0},
    {"diluting", -2.0},
    {"diluted", 0.0},  // "diluted EPS" is an accounting line, not a complaint
    {"layoff", -1.5},  // markets sometimes cheer cuts, but posts and headlines read them as bad
    {"layoffs", -1.5},
    {"restructuring", -0.8},
    {"bankruptcy", -3.0},
    {"insolvency", -3.0},
    {"insolvent", -3.0},
    {"delisting", -2.5},
    {"delisted", -2.5},
    {"defaults", -1.5},  // loan defaults; "default" alone is also "by default", left alone

    // --- Options and positioning. ---
    {"calls", 1.2},  // call options profit when the price rises; "earnings call" is singular
    {"puts", -1.2},  // put options profit when it falls
    {"straddle", 0.0},

    // --- Events, regulation, macro. ---
    {"halted", -1.5},  // trading halts are mostly news-pending or volatility on a fall
    {"halt", -1.5},
    {"recall", -1.5},  // product recall
    {"recalls", -1.5},
    {"outage", -1.5},
    {"probe", -1.5},  // regulatory investigation
    {"subpoena", -1.8},
    {"lawsuit", -1.5},  // VADER has -0.9
    {"lawsuits", -1.5},
    {"antitrust", -1.0},
    {"fined", -1.5},
    {"tariff", -1.2},
    {"tariffs", -1.2},
    {"sanctions", -1.2},
    {"inflation", -1.0},
    {"stagflation", -2.0},
    {"hawkish", -1.5},  // a central bank leaning to higher rates: bad for stocks
    {"dovish", 1.5},
    {"takeover", 1.0},  // the target is bought at a premium
    {"buyout", 1.5},

    // --- General-English sentiment words that are plain terms in finance: neutralised. ---
    {"interest", 0.0},  // VADER 2.0; "interest rates", "short interest", "open interest"
    {"share", 0.0},     // VADER 1.2; a share is a unit of stock
    {"shares", 0.0},
    {"gross", 0.0},     // VADER -2.1 ("disgusting"); "gross margin"
    {"credit", 0.0},    // VADER 1.6; "credit losses", "credit card"
    {"security", 0.0},  // VADER 1.4; a security is a tradeable asset
    {"securities", 0.0},
    {"debt", 0.0},       // VADER -1.5; every company has debt; debt problems have their own words
    {"liability", 0.0},  // VADER -0.8; an accounting line
    {"liabilities", 0.0},
    {"charge", 0.0},  // "one-time charge" is a phrase; "in charge" is neutral
    {"charges", 0.0},
    {"demand", 0.0},    // VADER -0.5; "strong demand" is good news
    {"volatile", 0.0},  // volatility is a property of a stock, not a judgement
    {"volatility", 0.0},
    {"risk", -0.5},     // VADER -1.1; "risk" is everyday vocabulary in finance
    {"support", 0.5},   // VADER 1.7; a chart level, a price where buyers have appeared before
    {"broke", -0.5},    // VADER -1.8 ("no money"); "broke out"/"broke support" are phrases
    {"insane", 0.0},    // VADER -1.7; "insane growth" and "insane valuation" cancel out
    {"crazy", 0.0},     // VADER -1.4; same reasoning
    {"killing", -1.5},  // VADER -3.4; "killing margins" is bad, "killing it" is a phrase
    {"trapped", -1.0},  // VADER -2.4; who is trapped decides the sign: see the phrases
    {"hedge", 0.0},
    {"risk-off", -1.5},  // investors fleeing to safety
    {"risk-on", 1.5},
    {"exposure", 0.0},
};

// Phrases are matched on whole tokens after VADER's tokenisation (punctuation at the edges of a
// word is stripped, words keep internal hyphens and apostrophes), case-insensitively; a phrase
// replaces its words, so "short squeeze" is one bullish item and not "short" (bearish) + "squeeze".
constexpr FinanceTerm kPhrases[] = {
    // --- Trading slang and memes. ---
    {"to the moon", 3.0},
    {"short squeeze", 2.5},  // shorts forced to buy back: a violent rise
    {"gamma squeeze", 2.5},  // dealers hedging call options push the price up
    {"buy the dip", 2.0},
    {"buying the dip", 2.0},
    {"bought the dip", 2.0},
    {"diamond hands", 2.2},  // holding through volatility
    {"paper hands", -1.0},   // selling at the first drop; said of others, so only mildly negative
    {"bag holder", -2.0},
    {"bag holders", -2.0},
    {"holding the bag", -2.0},
    {"holding bags", -2.0},
    {"dead cat bounce", -2.5},  // a brief rise inside a fall; bearish despite "bounce"
    {"rug pull", -3.0},
    {"rug pulled", -3.0},
    {"pump and dump", -3.0},
    {"profit taking", -1.0},  // sellers locking in gains push the price down
    {"sell the news", -1.5},
    {"sell the rip", -1.5},
    {"falling knife", -2.0},
    {"value trap", -2.0},
    {"dead money", -1.8},
    {"margin call", -2.5},
    {"wiped out", -2.5},
    {"crushed it", 2.5},  // VADER reads "crushed" as -1.8
    {"crushing it", 2.5},
    {"killing it", 2.5},  // VADER reads "killing" as -3.4
    {"sick gains", 2.5},  // VADER reads "sick" as -2.3
    {"let's go", 1.5},
    {"lets go", 1.5},
    {"calls printing", 2.5},  // "printing" = making money; whose money decides the sign
    {"puts printing", -2.5},
    {"shorts trapped", 2.0},
    {"bears trapped", 2.0},
    {"bulls trapped", -2.0},
    {"longs trapped", -2.0},
    {"shorts covering", 1.5},  // forced buying
    {"short covering", 1.5},
    {"bears in shambles", 2.0},
    {"shorts in shambles", 2.0},
    {"bulls in shambles", -2.0},
    {"under fire", -1.5},
    {"fire sale", -2.0},

    // --- Chart and price-level language. ---
    {"all time high", 2.2},
    {"all-time high", 2.2},
    {"all time highs", 2.2},
    {"all-time highs", 2.2},
    {"all time low", -2.2},
    {"all-time low", -2.2},
    {"record high", 2.0},
    {"record low", -2.0},
    {"new high", 2.0},
    {"new highs", 2.0},
    {"new low", -2.0},
    {"new lows", -2.0},
    {"52 week high", 1.5},
    {"52-week high", 1.5},
    {"52 week low", -1.5},
    {"52-week low", -1.5},
    {"gap up", 1.8},
    {"gaps up", 1.8},
    {"gapped up", 1.8},
    {"gapping up", 1.8},
    {"gap down", -1.8},
    {"gaps down", -1.8},
    {"gapped down", -1.8},
    {"gapping down", -1.8},
    {"breaking out", 2.0},
    {"broke out", 2.0},
    {"broke above", 2.0},
    {"broke below", -2.0},
    {"breaking down", -1.8},
    {"broke down", -1.8},
    {"broke support", -2.0},
    {"broke resistance", 2.0},
    {"holding support", 1.5},
    {"held support", 1.5},
    {"bull flag", 2.0},
    {"bear flag", -2.0},
    {"bull market", 2.5},
    {"bear market", -2.5},
    {"bull run", 2.5},
    {"bear trap", 1.0},  // a false breakdown that catches bears: bullish
    {"bull trap", -1.5},
    {"golden cross", 2.0},
    {"death cross", -2.0},
    {"double bottom", 1.5},
    {"double top", -1.5},
    {"head and shoulders", -1.5},
    {"cup and handle", 1.5},
    {"higher highs", 1.5},
    {"higher lows", 1.5},
    {"lower highs", -1.5},
    {"lower lows", -1.5},
    {"buying pressure", 1.5},
    {"selling pressure", -1.5},
    {"top is in", -2.0},
    {"bottom is in", 2.0},
    {"in the green", 1.5},
    {"in the red", -1.5},
    {"green day", 1.5},
    {"red day", -1.5},
    {"beaten down", -1.0},      // a fallen stock; often said by buyers, so only mildly negative
    {"chart increasing", 2.0},  // the emoji name of a rising chart
    {"chart decreasing", -2.0},

    // --- Results and guidance. ---
    {"beat estimates", 2.5},
    {"beats estimates", 2.5},
    {"beat expectations", 2.5},
    {"beats expectations", 2.5},
    {"beat and raise", 3.0},  // the best quarterly outcome: beat now, guide higher
    {"beat and raised", 3.0},
    {"topped estimates", 2.3},
    {"above estimates", 2.0},
    {"above expectations", 2.0},
    {"above consensus", 2.0},
    {"below estimates", -2.0},
    {"below expectations", -2.0},
    {"below consensus", -2.0},
    {"missed estimates", -2.5},
    {"misses estimates", -2.5},
    {"missed expectations", -2.5},
    {"missed earnings", -2.5},
    {"earnings miss", -2.5},
    {"earnings beat", 2.5},
    {"revenue miss", -2.5},
    {"revenue beat", 2.5},
    {"fell short", -2.0},
    {"falls short", -2.0},
    {"came up short", -2.0},
    {"better than expected", 2.0},
    {"worse than expected", -2.0},
    {"better than feared", 1.5},
    {"worse than feared", -2.0},
    {"in line", 0.0},  // results equal to forecasts carry no surprise
    {"record revenue", 2.0},
    {"record profit", 2.5},
    {"record earnings", 2.5},
    {"net loss", -1.5},
    {"operating loss", -1.5},
    {"raised guidance", 2.5},
    {"raises guidance", 2.5},
    {"guidance raised", 2.5},
    {"raised outlook", 2.5},
    {"raises outlook", 2.5},
    {"raising guidance", 2.5},
    {"guided higher", 2.0},
    {"guidance cut", -2.5},
    {"cut guidance", -2.5},
    {"cuts guidance", -2.5},
    {"lowered guidance", -2.5},
    {"lowers guidance", -2.5},
    {"guided lower", -2.0},
    {"cut its outlook", -2.5},
    {"profit warning", -2.5},
    {"margin expansion", 2.0},
    {"margins expanding", 2.0},
    {"margin compression", -2.0},
    {"margin pressure", -1.8},
    {"margin squeeze", -1.8},
    {"cash burn", -2.0},
    {"burning cash", -2.0},
    {"free cash flow", 0.0},  // a metric's name; VADER would read "free" as +2.3
    {"gross margin", 0.0},
    {"one-time charge", -1.0},
    {"dividend hike", 2.0},
    {"dividend increase", 2.0},
    {"raised dividend", 2.0},
    {"raises dividend", 2.0},
    {"dividend cut", -2.5},
    {"cut dividend", -2.5},
    {"cuts dividend", -2.5},
    {"dividend suspended", -2.5},
    {"suspended dividend", -2.5},
    {"share repurchase", 1.8},
    {"share offering", -1.5},  // new shares dilute holders
    {"secondary offering", -1.8},
    {"stock offering", -1.5},
    {"capital raise", -1.5},
    {"reverse split", -2.5},  // usually a sign of a collapsing share price
    {"going concern", -2.5},  // auditors doubt the company survives
    {"chapter 11", -3.0},
    {"job cuts", -1.5},
    {"cost cutting", 0.5},  // good for margins

    // --- Analyst actions. ---
    {"strong buy", 2.8},
    {"strong sell", -2.8},
    {"buy rating", 2.0},
    {"sell rating", -2.0},
    {"price target raised", 2.0},
    {"raised price target", 2.0},
    {"raises price target", 2.0},
    {"pt raised", 2.0},
    {"target raised", 2.0},
    {"price target cut", -2.0},
    {"price target lowered", -2.0},
    {"lowered price target", -2.0},
    {"pt cut", -2.0},
    {"pt lowered", -2.0},
    {"target lowered", -2.0},
    {"target cut", -2.0},

    // --- Options: income strategies are neutral, not bets on a direction. ---
    {"covered calls", 0.0},
    {"covered call", 0.0},
    {"cash secured puts", 0.3},  // willing to buy lower: a faint bullish lean

    // --- Macro. ---
    {"rate cut", 1.5},  // cheaper money lifts stocks
    {"rate cuts", 1.5},
    {"cut rates", 1.5},
    {"rate hike", -1.5},
    {"rate hikes", -1.5},
    {"higher for longer", -1.5},
    {"soft landing", 1.5},
    {"hard landing", -2.0},
    {"trade war", -2.5},
    {"risk off", -1.5},
    {"risk on", 1.5},
    {"fda approval", 2.5},

    // --- General senses of "long" and "short" that are not positions: neutralised. ---
    {"long term", 0.0},
    {"short term", 0.0},
    {"long time", 0.0},
    {"how long", 0.0},
    {"as long as", 0.0},
    {"long way", 0.0},
    {"long run", 0.0},
    {"in short", 0.0},
    {"short interest", 0.0},  // a statistic, not a position
    {"short sellers", -0.5},
    {"short seller", -0.5},
    {"short report", -2.0},  // a published bear case
    {"going long", 1.8},
    {"went long", 1.8},
    {"long and strong", 2.0},
    {"up to", 0.0},  // "up to 10%": a limit, not a move
    {"set up", 0.0},
    {"sign up", 0.0},
    {"shut down", -1.0},
    {"slow down", -0.8},
};

}  // namespace

std::span<const FinanceTerm> FinanceLexicon::words() {
  return kWords;
}

std::span<const FinanceTerm> FinanceLexicon::phrases() {
  return kPhrases;
}

Lexicon FinanceLexicon::overlay(const Lexicon& base) {
  Lexicon out = base;
  for (const FinanceTerm& w : kWords) out.set(w.term, w.valence);
  return out;
}

}  // namespace stockpulse
