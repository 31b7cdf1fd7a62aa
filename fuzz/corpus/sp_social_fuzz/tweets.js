window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1790000000000000301"
          ],
          "editableUntil" : "2024-05-01T16:00:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "51"
      ],
      "favorite_count" : "0",
      "id_str" : "1790000000000000301",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1790000000000000301",
      "created_at" : "Wed May 01 15:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "Trimmed my $GOOGL position &amp; rotated into $MSFT",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1790000000000000302"
          ],
          "editableUntil" : "2024-05-01T16:00:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "51"
      ],
      "favorite_count" : "0",
      "id_str" : "1790000000000000302",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1790000000000000302",
      "created_at" : "Wed May 01 15:05:00 +0000 2024",
      "favorited" : false,
      "full_text" : "RT @nora_news: $INTC foundry update looks promising",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1790000000000000303"
          ],
          "editableUntil" : "2024-05-01T16:00:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "23"
      ],
      "favorite_count" : "0",
      "id_str" : "1790000000000000303",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1790000000000000303",
      "created_at" : "the first of May",
      "favorited" : false,
      "full_text" : "$AMD is a buy under 150",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1790000000000000304"
          ],
          "editableUn