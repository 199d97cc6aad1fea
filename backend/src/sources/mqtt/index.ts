export { MAX_FILTERS_PER_CONNECTION, MqttConnection, type MqttConnectionOptions, type MqttSubscription } from './connection';
export { probeMqtt, type ProbeOptions } from './probe';
export { checkTlsSecrets, defaultClientId, MqttSettingsError, type MqttSecureValues } from './clientOptions';
export { describeConnectError, describeSubackError, displayUrl } from './errors';
export { topicFilterProblem, topicMatches, MAX_TOPIC_FILTER_BYTES } from './topics';
