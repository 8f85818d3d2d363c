// Two accounts: the ADLS Gen2 lake (hierarchical namespace, container `lake`) and the Functions host account
// (AzureWebJobsStorage checkpoints/leases and the Flex deployment package container). Shared keys are disabled.
@description('Storage account names: 3–24 lowercase letters and digits (longer names are cut to 24).')
@minLength(3)
param lakeAccountName string
@minLength(3)
param hostAccountName string
param lakeContainerName string
param deploymentContainerName string
param location string
param tags object

resource lake 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(lakeAccountName, 24)
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    isHnsEnabled: true
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    accessTier: 'Hot'
  }
}

resource lakeBlob 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: lake
  name: 'default'
}

resource lakeContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: lakeBlob
  name: lakeContainerName
  properties: { publicAccess: 'None' }
}

resource host 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take(hostAccountName, 24)
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource hostBlob 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: host
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: hostBlob
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

output lakeAccountName string = lake.name
output lakeBlobEndpoint string = lake.properties.primaryEndpoints.blob
output hostAccountName string = host.name
output hostBlobEndpoint string = host.properties.primaryEndpoints.blob
