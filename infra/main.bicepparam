// Parameters for `azd up` / `azd provision`. azd runs `bicep build-params` with the environment's values
// (.azure/<env>/.env: AZURE_ENV_NAME, AZURE_LOCATION, AZURE_PRINCIPAL_ID, and anything set with `azd env set`) in the
// process environment; every optional value falls back to main.bicep's default.
using './main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME')
param location = readEnvironmentVariable('AZURE_LOCATION')
param principalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')

param openAiLocation = readEnvironmentVariable('AZURE_OPENAI_LOCATION', '')
param openAiModelName = readEnvironmentVariable('AZURE_OPENAI_MODEL', 'gpt-4o-mini')
param openAiModelVersion = readEnvironmentVariable('AZURE_OPENAI_MODEL_VERSION', '2024-07-18')
param openAiCapacity = int(readEnvironmentVariable('AZURE_OPENAI_CAPACITY', '50'))

param snowflakeAccount = readEnvironmentVariable('SNOWFLAKE_ACCOUNT', '')
param snowflakeUser = readEnvironmentVariable('SNOWFLAKE_USER', '')
param snowflakeRole = readEnvironmentVariable('SNOWFLAKE_ROLE', 'CRYPTO_SENTIMENT_LOADER')
param snowflakeWarehouse = readEnvironmentVariable('SNOWFLAKE_WAREHOUSE', 'CRYPTO_SENTIMENT_WH')
param snowflakeDatabase = readEnvironmentVariable('SNOWFLAKE_DATABASE', 'CRYPTO_SENTIMENT')
param snowflakeSchema = readEnvironmentVariable('SNOWFLAKE_SCHEMA', 'GOLD')

param llmPriceInputPer1M = readEnvironmentVariable('LLM_PRICE_INPUT_PER_1M', '0.15')
param llmPriceOutputPer1M = readEnvironmentVariable('LLM_PRICE_OUTPUT_PER_1M', '0.60')

param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')

param newsFeeds = readEnvironmentVariable('NEWS_FEEDS', '')
param priceApiUrl = readEnvironmentVariable('PRICE_API_URL', '')
param alertWebhookUrl = readEnvironmentVariable('ALERT_WEBHOOK_URL', '')
