using System.Text.Json;
using System.Text.Json.Nodes;

namespace CryptoSentiment.Api;

/// <summary>The OpenAPI 3.0 document of <c>/api/v1</c> (served at <c>/api/v1/openapi.json</c>), written by hand next to the code it describes.</summary>
public static class OpenApiDocument
{
    public const string Version = "1.0.0";

    public static byte[] Build()
    {
        var doc = JsonNode.Parse(Text)!;
        return ApiJson.Write(w => doc.WriteTo(w));
    }

    private const string Text = """
    {
      "openapi": "3.0.3",
      "info": {
        "title": "CryptoSentiment API",
        "version": "1.0.0",
        "description": "Crypto news sentiment and prices from the lake's gold tables (and silver headlines). Times are UTC ISO-8601 with Z. Every data answer has an ETag derived from the Delta table versions it was read at: send it back in If-None-Match for a 304. Errors are application/problem+json. On Azure Functions, pass the function key as ?code= or the x-functions-key header."
      },
      "servers": [ { "url": "/" } ],
      "security": [ {}, { "functionKeyQuery": [] }, { "functionKeyHeader": [] } ],
      "paths": {
        "/api/v1/coins": {
          "get": {
            "operationId": "listCoins",
            "summary": "The latest hour of every coin in gold/coin_hourly",
            "parameters": [ { "$ref": "#/components/parameters/IfNoneMatch" } ],
            "responses": {
              "200": { "description": "One row per coin (its latest hour), by coin", "headers": { "ETag": { "$ref": "#/components/headers/ETag" }, "Cache-Control": { "$ref": "#/components/headers/CacheControl" } },
                       "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/CoinLatest" } } } } },
              "304": { "$ref": "#/components/responses/NotModified" }
            }
          }
        },
        "/api/v1/coins/{coin}": {
          "get": {
            "operationId": "getCoin",
            "summary": "The hourly series of one coin: the N hour buckets ending with its latest hour",
            "parameters": [
              { "name": "coin", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[A-Za-z0-9]{1,20}$" }, "example": "BTC" },
              { "name": "hours", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 720, "default": 24 } },
              { "$ref": "#/components/parameters/IfNoneMatch" }
            ],
            "responses": {
              "200": { "description": "The coin and its hourly rows, oldest first", "headers": { "ETag": { "$ref": "#/components/headers/ETag" }, "Cache-Control": { "$ref": "#/components/headers/CacheControl" } },
                       "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CoinSeries" } } } },
              "304": { "$ref": "#/components/responses/NotModified" },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "404": { "$ref": "#/components/responses/NotFound" }
            }
          }
        },
        "/api/v1/top": {
          "get": {
            "operationId": "getTopCoin",
            "summary": "The top coin of a day (gold/top_coin_daily)",
            "parameters": [
              { "name": "day", "in": "query", "description": "UTC day; default: the latest day with a top coin", "schema": { "type": "string", "format": "date" } },
              { "$ref": "#/components/parameters/IfNoneMatch" }
            ],
            "responses": {
              "200": { "description": "The day's row", "headers": { "ETag": { "$ref": "#/components/headers/ETag" }, "Cache-Control": { "$ref": "#/components/headers/CacheControl" } },
                       "content": { "application/json": { "schema": { "$ref": "#/components/schemas/TopCoin" } } } },
              "304": { "$ref": "#/components/responses/NotModified" },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "404": { "$ref": "#/components/responses/NotFound" }
            }
          }
        },
        "/api/v1/headlines": {
          "get": {
            "operationId": "listHeadlines",
            "summary": "Scored headlines (silver/news_sentiment, one row per article and coin), newest first",
            "parameters": [
              { "name": "coin", "in": "query", "schema": { "type": "string", "pattern": "^[A-Za-z0-9]{1,20}$" } },
              { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 200, "default": 50 } },
              { "name": "before", "in": "query", "description": "Only headlines published strictly before this time (paging: pass the last published_at)", "schema": { "type": "string", "format": "date-time" } },
              { "$ref": "#/components/parameters/IfNoneMatch" }
            ],
            "responses": {
              "200": { "description": "Headlines, newest first", "headers": { "ETag": { "$ref": "#/components/headers/ETag" }, "Cache-Control": { "$ref": "#/components/headers/CacheControl" } },
                       "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Headline" } } } } },
              "304": { "$ref": "#/components/responses/NotModified" },
              "400": { "$ref": "#/components/responses/BadRequest" },
              "404": { "$ref": "#/components/responses/NotFound" }
            }
          }
        },
        "/api/v1/alerts": {
          "get": {
            "operationId": "listAlerts",
            "summary": "Alerts (gold/alerts: sentiment_shift, volume_spike, divergence, scorer_drift), newest first",
            "parameters": [
              { "name": "since", "in": "query", "schema": { "type": "string", "format": "date-time" }, "description": "Only alerts whose first hour is at or after this UTC time" },
              { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 200 } },
              { "$ref": "#/components/parameters/IfNoneMatch" }
            ],
            "responses": {
              "200": { "description": "Alerts, newest first (an empty array when there are none)", "headers": { "ETag": { "$ref": "#/components/headers/ETag" }, "Cache-Control": { "$ref": "#/components/headers/CacheControl" } },
                       "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Alert" } } } } },
              "304": { "$ref": "#/components/responses/NotModified" },
              "400": { "$ref": "#/components/responses/BadRequest" }
            }
          }
        },
        "/api/v1/openapi.json": {
          "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "responses": { "200": { "description": "OpenAPI 3 document", "content": { "application/json": { "schema": { "type": "object" } } } } }
          }
        }
      },
      "components": {
        "securitySchemes": {
          "functionKeyQuery": { "type": "apiKey", "in": "query", "name": "code", "description": "Azure Functions function key (authLevel function); not needed for `crypto-sentiment serve`" },
          "functionKeyHeader": { "type": "apiKey", "in": "header", "name": "x-functions-key" }
        },
        "parameters": {
          "IfNoneMatch": { "name": "If-None-Match", "in": "header", "schema": { "type": "string" }, "description": "An ETag from an earlier answer: 304 when the data did not change" }
        },
        "headers": {
          "ETag": { "schema": { "type": "string" }, "description": "Derived from the Delta versions of the tables read and the request" },
          "CacheControl": { "schema": { "type": "string" }, "example": "private, max-age=60" }
        },
        "responses": {
          "NotModified": { "description": "The ETag in If-None-Match is current", "headers": { "ETag": { "$ref": "#/components/headers/ETag" } } },
          "BadRequest": { "description": "A parameter is malformed or out of range", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } },
          "NotFound": { "description": "Unknown route, unknown coin, or no data", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } }
        },
        "schemas": {
          "Problem": {
            "type": "object", "required": [ "status", "title", "detail" ],
            "properties": { "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" }, "detail": { "type": "string" }, "instance": { "type": "string" } }
          },
          "CoinLatest": {
            "type": "object", "required": [ "coin", "hour" ],
            "properties": {
              "coin": { "type": "string" }, "hour": { "type": "string", "format": "date-time" },
              "score_24h": { "type": "number", "nullable": true }, "mentions_24h": { "type": "integer" },
              "close_usd": { "type": "number", "nullable": true }, "return_24h": { "type": "number", "nullable": true }
            }
          },
          "CoinHour": {
            "type": "object", "required": [ "hour", "mentions" ],
            "properties": {
              "hour": { "type": "string", "format": "date-time" }, "mentions": { "type": "integer" },
              "score": { "type": "number", "nullable": true }, "score_24h": { "type": "number", "nullable": true },
              "volatility_24h": { "type": "number", "nullable": true }, "close_usd": { "type": "number", "nullable": true },
              "return_24h": { "type": "number", "nullable": true }, "sma_24h": { "type": "number", "nullable": true },
              "ema_24h": { "type": "number", "nullable": true }, "rsi_14h": { "type": "number", "nullable": true },
              "divergence": { "type": "boolean", "nullable": true }
            }
          },
          "CoinSeries": {
            "type": "object", "required": [ "coin", "hourly" ],
            "properties": { "coin": { "type": "string" }, "hourly": { "type": "array", "items": { "$ref": "#/components/schemas/CoinHour" } } }
          },
          "TopCoin": {
            "type": "object", "required": [ "day", "coin", "mentions" ],
            "properties": { "day": { "type": "string", "format": "date" }, "coin": { "type": "string" }, "weighted_score": { "type": "number", "nullable": true }, "mentions": { "type": "integer" } }
          },
          "Headline": {
            "type": "object", "required": [ "article_id", "coin", "published_at", "title", "label", "confidence", "scorer" ],
            "properties": {
              "article_id": { "type": "string" }, "coin": { "type": "string" }, "published_at": { "type": "string", "format": "date-time" },
              "title": { "type": "string" }, "source": { "type": "string", "nullable": true }, "url": { "type": "string", "nullable": true },
              "label": { "type": "string", "enum": [ "Positive", "Negative", "Neutral" ] }, "confidence": { "type": "number", "minimum": 0, "maximum": 1 },
              "context_summary": { "type": "string", "nullable": true }, "scorer": { "type": "string", "enum": [ "llm", "offline", "fallback" ] }
            }
          },
          "Alert": {
            "type": "object", "required": [ "alert_id", "kind", "hour", "severity", "message" ],
            "properties": {
              "alert_id": { "type": "string", "description": "md5 of kind|coin|first hour (deterministic)" },
              "kind": { "type": "string", "enum": [ "sentiment_shift", "volume_spike", "divergence", "scorer_drift" ] },
              "coin": { "type": "string", "nullable": true, "description": "NULL for scorer_drift" },
              "hour": { "type": "string", "format": "date-time", "description": "First hour of the run (day start for scorer_drift)" },
              "value": { "type": "number", "nullable": true }, "baseline": { "type": "number", "nullable": true },
              "zscore": { "type": "number", "nullable": true },
              "severity": { "type": "string", "enum": [ "info", "warning", "critical" ] }, "message": { "type": "string" }
            }
          }
        }
      }
    }
    """;
}
