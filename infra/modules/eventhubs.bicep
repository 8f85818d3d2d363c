// Event Hubs (Standard): hubs `news` and `prices`, one consumer group for the function app; local (SAS) auth disabled.
param name string
param location string
param tags object
param hubNames array
param consumerGroupName string

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard', capacity: 1 }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource hubs 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = [for hub in hubNames: {
  parent: namespace
  name: hub
  properties: {
    partitionCount: 4
    messageRetentionInDays: 7
  }
}]

resource consumerGroups 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = [for (hub, i) in hubNames: {
  parent: hubs[i]
  name: consumerGroupName
}]

output name string = namespace.name
output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
output consumerGroupName string = consumerGroupName
