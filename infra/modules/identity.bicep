// The function app's user-assigned managed identity: every data-plane call (Event Hubs, lake, host storage, OpenAI,
// Key Vault, App Insights) authenticates as this identity.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
