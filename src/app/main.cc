// stockpulse: real-time stock sentiment and market-trend analytics. See README.md.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "app/backfill_command.h"
#include "app/backtest_command.h"
#include "app/commands.h"
#include "app/process_command.h"
#include "bus/kafka/produce_command.h"
#include "serve/serve_command.h"
#include "sink/lake_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "stockpulse: real-time stock sentiment and market-trend analytics.\n"
      "Ingests posts and OHLCV bars, scores sentiment, aggregates both per ticker in event-time\n"
      "windows, and writes a serving database and a Parquet data lake.",
      "stockpulse"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", STOCKPULSE_VERSION);
  app.footer("Run `stockpulse COMMAND --help` for the options of a command.");

  stockpulse::RunCommand run(app);
  stockpulse::GenerateCommand generate(app);
  stockpulse::ScoreCommand score(app);
  stockpulse::EvalCommand eval(app);
  stockpulse::TrainCommand train(app);
  stockpulse::ProduceCommand produce(app);
  stockpulse::ProcessCommand process(app);
  stockpulse::ServeCommand serve(app);
  stockpulse::LakeCommand lake(app);
  stockpulse::BackfillCommand backfill(app);
  stockpulse::BacktestCommand backtest(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (generate.selected()) return generate.execute();
    if (score.selected()) return score.execute();
    if (eval.selected()) return eval.execute();
    if (train.selected()) return train.execute();
    if (produce.selected()) return produce.execute();
    if (process.selected()) return process.execute();
    if (serve.selected()) return serve.execute();
    if (lake.selected()) return lake.execute();
    if (backfill.selected()) return backfill.execute();
    if (backtest.selected()) return backtest.execute();
    // `stockpulse` alone runs the embedded pipeline, as `stockpulse run` does.
    return run.execute();
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
}
