// hubagent as an Azure Container Apps job in the hub's resource group, with a
// user-assigned managed identity. The job runs `hubagent run --once` on the
// hub's schedule; its state lives on an Azure Files share so runs resume.
// Grant the identity (see README "Permissions"): Cost Management Contributor on
// each subscription/resource group scope, the EA/MCA billing roles on billing
// scopes, Storage Blob Data Contributor on the hub storage account, and Data
// Factory Contributor on the hub's factory if --take-over is used.
param location string = resourceGroup().location
param hubName string
param storageAccountId string
param storageEndpoint string
param environmentId string
param image string = 'ghcr.io/example/hubagent:latest'
param stateShareName string = 'hubagent-state'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${hubName}-hubagent'
  location: location
}

resource job 'Microsoft.App/jobs@2024-03-01' = {
  name: '${toLower(hubName)}-hubagent'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environmentId
    configuration: {
      triggerType: 'Schedule'
      scheduleTriggerConfig: {
        // Daily at 01:01; the agent runs the monthly exports on their days.
        cronExpression: '1 1 * * *'
        parallelism: 1
        replicaCompletionCount: 1
      }
      replicaTimeout: 7200
      replicaRetryLimit: 1
    }
    template: {
      containers: [
        {
          name: 'hubagent'
          image: image
          command: [ '/usr/local/bin/hubagent', 'run', '--once' ]
          env: [
            { name: 'HUBAGENT_HUB_NAME', value: hubName }
            { name: 'HUBAGENT_STORAGE_ACCOUNT_ID', value: storageAccountId }
            { name: 'HUBAGENT_STORAGE_ENDPOINT', value: storageEndpoint }
            { name: 'HUBAGENT_STATE', value: '/state/state.db' }
            { name: 'HUBAGENT_LOG_FORMAT', value: 'json' }
            // Container Apps sets IDENTITY_ENDPOINT/IDENTITY_HEADER; the
            // default chain uses them with this client id.
            { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
          ]
          resources: { cpu: json('0.5'), memory: '1Gi' }
          volumeMounts: [ { volumeName: 'state', mountPath: '/state' } ]
        }
      ]
      volumes: [ { name: 'state', storageType: 'AzureFile', storageName: stateShareName } ]
    }
  }
}

output principalId string = identity.properties.principalId
