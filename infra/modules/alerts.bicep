// Azure Monitor alerts on the pipeline's OpenTelemetry metrics (ARCHITECTURE §10, README "Telemetry"). The handler's
// Azure Monitor exporter sends each metric, pre-aggregated per export interval, to Application Insights as
// `customMetrics` rows (name, value = sum, valueCount, valueSum, valueMax, customDimensions = the attributes): custom
// metrics with dimensions are queried there, so each rule is a scheduled query rule scoped to the App Insights resource.
param namePrefix string
param location string
param tags object
param appInsightsId string
@description('Email address notified by the action group; empty: the action group has no receiver.')
param alertEmail string = ''

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-operators'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'cs-ops'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [
      { name: 'operator', emailAddress: alertEmail, useCommonAlertSchema: true }
    ]
  }
}

var rules = [
  {
    name: 'no-events'
    description: 'No events landed (accepted, quarantined or duplicate) for 15 minutes: producers, Event Hubs or the triggers are stuck.'
    severity: 1
    window: 'PT15M'
    frequency: 'PT5M'
    query: 'customMetrics | where name == "cryptosentiment.events" | summarize events = coalesce(sum(value), 0.0)'
    measure: 'events'
    operator: 'LessThan'
    threshold: 1
  }
  {
    name: 'fallback-share'
    description: 'More than 20 % of headlines were labelled by the offline fallback in the last hour: the LLM is failing.'
    severity: 2
    window: 'PT1H'
    frequency: 'PT15M'
    query: 'customMetrics | where name == "cryptosentiment.headlines" | summarize total = sum(value), fallback = sumif(value, tostring(customDimensions.scorer) == "fallback") | where total > 0 | project fallback_share = fallback / total'
    measure: 'fallback_share'
    operator: 'GreaterThan'
    threshold: json('0.2')
  }
  {
    name: 'quarantine-rate'
    description: 'More than 5 % of events went to quarantine in the last hour: a producer sends malformed events.'
    severity: 2
    window: 'PT1H'
    frequency: 'PT15M'
    query: 'customMetrics | where name == "cryptosentiment.events" | summarize total = sum(value), quarantined = sumif(value, tostring(customDimensions.outcome) == "quarantined") | where total > 0 | project quarantine_rate = quarantined / total'
    measure: 'quarantine_rate'
    operator: 'GreaterThan'
    threshold: json('0.05')
  }
  {
    name: 'event-lag-p95'
    description: 'The 95th percentile of event lag (ingest time - Event Hubs enqueued time) exceeded 10 minutes over 30 minutes: ingest falls behind.'
    severity: 2
    window: 'PT30M'
    frequency: 'PT5M'
    // Histograms arrive pre-aggregated per export (sum, count): the percentile of the per-export mean lags, weighted by their event counts.
    query: 'customMetrics | where name == "cryptosentiment.event.lag" and valueCount > 0 | summarize lag_p95_s = percentilew(valueSum / valueCount, valueCount, 95)'
    measure: 'lag_p95_s'
    operator: 'GreaterThan'
    threshold: 600
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [for rule in rules: {
  name: '${namePrefix}-${rule.name}'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'CryptoSentiment: ${rule.name}'
    description: rule.description
    severity: rule.severity
    enabled: true
    scopes: [ appInsightsId ]
    evaluationFrequency: rule.frequency
    windowSize: rule.window
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: rule.query
          timeAggregation: 'Total'
          metricMeasureColumn: rule.measure
          operator: rule.operator
          threshold: rule.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ actionGroup.id ] }
  }
}]

output actionGroupId string = actionGroup.id
output ruleNames array = [for (rule, i) in rules: alertRules[i].name]
