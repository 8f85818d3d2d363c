// CryptoSentiment on Azure: `azd up` provisions everything here and deploys dist/functionapp (built by `make publish`).
// Identity everywhere: no keys or connection strings are created or stored; the Snowflake private key lives in Key Vault
// (set it after provisioning, see README) and reaches the app as a Key Vault reference.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used for the resource group and resource names.')
param environmentName string

@minLength(1)
@description('Primary location for all resources.')
param location string

@description('Object id of the user running azd (gets data access for local debugging); empty to skip.')
param principalId string = ''

@description('Location of the Azure OpenAI account (model availability differs by region); defaults to location.')
param openAiLocation string = ''
param openAiModelName string = 'gpt-4o-mini'
param openAiModelVersion string = '2024-07-18'
@description('Deployment capacity in thousands of tokens per minute.')
param openAiCapacity int = 50

param snowflakeAccount string = ''
param snowflakeUser string = ''
param snowflakeRole string = 'CRYPTO_SENTIMENT_LOADER'
param snowflakeWarehouse string = 'CRYPTO_SENTIMENT_WH'
param snowflakeDatabase string = 'CRYPTO_SENTIMENT'
param snowflakeSchema string = 'GOLD'

@description('USD per 1M input / output tokens of the model, for the cost ledger.')
param llmPriceInputPer1M string = '0.15'
param llmPriceOutputPer1M string = '0.60'

@description('Email address the metric alerts notify (action group); empty: alerts fire without a receiver.')
param alertEmail string = ''

@description('Comma-separated RSS/Atom feed URLs polled by NewsPoll.')
param newsFeeds string = ''
@description('CoinGecko simple-price style URL polled by PricePoll.')
param priceApiUrl string = ''
@description('Optional http(s) URL: each new gold/alerts row is POSTed there once (ARCHITECTURE §10); empty = no webhook.')
param alertWebhookUrl string = ''

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    appInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    lakeAccountName: '${abbrs.storageStorageAccounts}lake${resourceToken}'
    hostAccountName: '${abbrs.storageStorageAccounts}${resourceToken}'
    lakeContainerName: 'lake'
    deploymentContainerName: deploymentContainerName
    location: location
    tags: tags
  }
}

module eventHubs 'modules/eventhubs.bicep' = {
  name: 'eventhubs'
  scope: rg
  params: {
    name: '${abbrs.eventHubNamespaces}${resourceToken}'
    location: location
    tags: tags
    hubNames: [ 'news', 'prices' ]
    consumerGroupName: 'crypto-sentiment'
  }
}

module openAi 'modules/openai.bicep' = {
  name: 'openai'
  scope: rg
  params: {
    name: '${abbrs.cognitiveServicesAccounts}${resourceToken}'
    location: empty(openAiLocation) ? location : openAiLocation
    tags: tags
    deploymentName: 'sentiment'
    modelName: openAiModelName
    modelVersion: openAiModelVersion
    capacity: openAiCapacity
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: union(tags, { 'azd-service-name': 'functionapp' })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostStorageAccountName: storage.outputs.hostAccountName
    deploymentContainerUrl: '${storage.outputs.hostBlobEndpoint}${deploymentContainerName}'
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    appSettings: {
      LAKE_URI: '${storage.outputs.lakeBlobEndpoint}lake'
      LAKE_AUTH: 'managedidentity'
      WAREHOUSE: empty(snowflakeAccount) ? 'duckdb:/tmp/warehouse.duckdb' : 'snowflake'
      COINS_FILE: ''
      SENTIMENT_SCORER: 'llm'
      SENTIMENT_BATCH_SIZE: '25'
      AZURE_OPENAI_ENDPOINT: openAi.outputs.endpoint
      AZURE_OPENAI_DEPLOYMENT: openAi.outputs.deploymentName
      LLM_PROMPT_VERSION: 'sentiment-v1'
      LLM_TIMEOUT_SECONDS: '30'
      LLM_MAX_RETRIES: '4'
      LLM_CIRCUIT_FAILURES: '5'
      LLM_CIRCUIT_BREAK_SECONDS: '30'
      // Azure OpenAI quota: capacity is in thousands of tokens per minute, with 6 requests per minute per thousand.
      LLM_TOKENS_PER_MINUTE: string(openAiCapacity * 1000)
      LLM_REQUESTS_PER_MINUTE: string(openAiCapacity * 6)
      LLM_PRICE_INPUT_PER_1M: llmPriceInputPer1M
      LLM_PRICE_OUTPUT_PER_1M: llmPriceOutputPer1M
      SNOWFLAKE_ACCOUNT: snowflakeAccount
      SNOWFLAKE_USER: snowflakeUser
      SNOWFLAKE_ROLE: snowflakeRole
      SNOWFLAKE_WAREHOUSE: snowflakeWarehouse
      SNOWFLAKE_DATABASE: snowflakeDatabase
      SNOWFLAKE_SCHEMA: snowflakeSchema
      SNOWFLAKE_PRIVATE_KEY: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/snowflake-private-key)'
      SNOWFLAKE_BATCH_ROWS: '1000'
      // Running for a year (ARCHITECTURE §9): dedupe window, and the hourly Maintenance timer's retention and file size.
      DEDUPE_WINDOW_DAYS: '7'
      MAINTENANCE_RETENTION_HOURS: '168'
      MAINTENANCE_TARGET_FILE_MB: '128'
      // Alerts as data and scorer drift (ARCHITECTURE §10): the optional webhook and the thresholds (the defaults, explicit).
      ALERT_WEBHOOK_URL: alertWebhookUrl
      ALERT_SHIFT_ZSCORE: '4'
      ALERT_SHIFT_MIN_DELTA: '0.4'
      ALERT_SHIFT_MIN_MENTIONS: '30'
      ALERT_VOLUME_ZSCORE: '4'
      ALERT_VOLUME_MIN_MENTIONS: '10'
      ALERT_BASELINE_MIN_DAYS: '5'
      ALERT_CRITICAL_ZSCORE: '6'
      SCORER_DRIFT_PSI: '0.2'
      SCORER_DRIFT_FALLBACK_SHARE: '0.2'
      SCORER_DRIFT_MIN_HEADLINES: '30'
      SCORER_AGREEMENT_SAMPLE: '0.02'
      EventHubConnection__fullyQualifiedNamespace: eventHubs.outputs.fullyQualifiedNamespace
      EventHubConnection__credential: 'managedidentity'
      EventHubConnection__clientId: identity.outputs.clientId
      EVENTHUB_NEWS: 'news'
      EVENTHUB_PRICES: 'prices'
      EVENTHUB_CONSUMER_GROUP: eventHubs.outputs.consumerGroupName
      NEWS_FEEDS: newsFeeds
      PRICE_API_URL: priceApiUrl
    }
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    identityPrincipalId: identity.outputs.principalId
    principalId: principalId
    lakeAccountName: storage.outputs.lakeAccountName
    hostAccountName: storage.outputs.hostAccountName
    eventHubNamespaceName: eventHubs.outputs.name
    openAiAccountName: openAi.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// Metric alerts (README "Telemetry"): no events for 15 min, fallback share > 20 %, quarantine rate > 5 %, event lag p95 > 10 min.
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    namePrefix: 'cs-${resourceToken}'
    location: location
    tags: tags
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output LAKE_URI string = '${storage.outputs.lakeBlobEndpoint}lake'
output AZURE_OPENAI_ENDPOINT string = openAi.outputs.endpoint
output AZURE_OPENAI_DEPLOYMENT string = openAi.outputs.deploymentName
output EVENTHUB_NAMESPACE string = eventHubs.outputs.fullyQualifiedNamespace
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
