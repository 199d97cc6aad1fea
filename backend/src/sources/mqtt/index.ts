export { MqttConnection, type MqttConnectionOptions, type MqttSubscription } from './connection';
export { probeMqtt, type ProbeOptions } from './probe';
export { defaultClientId, type MqttSecureValues } from './clientOptions';
export { describeConnectError, describeSubackError, displayUrl } from './errors';
export { topicFilterProblem, topicMatches, MAX_TOPIC_FILTER_BYTES } from './topics';
