import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput } from '@grafana/ui';

import { brokerUrlError } from '../shared/brokerUrl';
import { DEFAULT_MQTT_SETTINGS, MQTT_SETTINGS_RANGES, type MqttSecureKey, type MqttSettings } from '../shared/mqtt';
import type { TributaryJsonData } from '../types';
import { secretState, withoutSecret, withSecret } from './secureJsonData';
import { SettingNumberField } from './SettingNumberField';
import { TlsConfigEditor } from './TlsConfigEditor';

export type Props = DataSourcePluginOptionsEditorProps<TributaryJsonData>;

type MqttNumber = 'keepaliveSeconds' | 'reconnectMinMs' | 'reconnectMaxMs' | 'connectTimeoutMs';

const NUMBER_FIELDS: ReadonlyArray<{ key: MqttNumber; label: string; description: string }> = [
  { key: 'keepaliveSeconds', label: 'Keepalive (s)', description: 'Seconds between keepalive pings; 0 turns them off.' },
  { key: 'reconnectMinMs', label: 'Reconnect backoff min (ms)', description: 'First delay before reconnecting; doubled after each failed attempt, with jitter.' },
  { key: 'reconnectMaxMs', label: 'Reconnect backoff max (ms)', description: 'Longest delay between reconnect attempts.' },
  { key: 'connectTimeoutMs', label: 'Connect timeout (ms)', description: 'How long one connection attempt may take.' },
];

const QOS_OPTIONS = [
  { label: '0 (at most once)', value: 0 as const },
  { label: '1 (at least once)', value: 1 as const },
  { label: '2 (exactly once)', value: 2 as const },
];

/**
 * MQTT broker settings: connection (jsonData.mqtt) and secrets (secureJsonData: password, TLS
 * material). Secrets typed here go to Grafana as secureJsonData only; Grafana never sends them back,
 * it only says which are set (secureJsonFields), so a set secret shows "configured" with a reset.
 */
export function MqttConfigEditor({ options, onOptionsChange }: Props) {
  const jsonData: TributaryJsonData = options.jsonData ?? {};
  const mqtt: Partial<MqttSettings> = jsonData.mqtt ?? {};
  const secureFields = options.secureJsonFields ?? {};
  const secureData = (options.secureJsonData ?? {}) as Partial<Record<MqttSecureKey, string>>;

  const setMqtt = (patch: Partial<MqttSettings>) => {
    const next: Partial<MqttSettings> = { ...mqtt, ...patch };
    // Empty optional text and cleared numbers are removed: the defaults apply.
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || value === '') {
        delete next[key as keyof MqttSettings];
      }
    }
    onOptionsChange({ ...options, jsonData: { ...jsonData, mqtt: next } });
  };
  const setSecret = (key: MqttSecureKey, value: string) => onOptionsChange(withSecret(options, key, value));
  const resetSecret = (key: MqttSecureKey) => onOptionsChange(withoutSecret(options, key));

  const url = mqtt.url ?? '';
  const urlError = url === '' ? undefined : brokerUrlError(url);
  const skipVerify = mqtt.tlsSkipVerify === true;
  const effective = (key: MqttNumber) => mqtt[key] ?? DEFAULT_MQTT_SETTINGS[key];
  const crossCheck = (key: MqttNumber, value: number): string | undefined => {
    if (key === 'reconnectMinMs' && value > effective('reconnectMaxMs')) {
      return `Reconnect backoff min (ms) must not exceed the max (${effective('reconnectMaxMs')})`;
    }
    if (key === 'reconnectMaxMs' && value < effective('reconnectMinMs')) {
      return `Reconnect backoff max (ms) must be at least the min (${effective('reconnectMinMs')})`;
    }
    return undefined;
  };

  return (
    <>
      <FieldSet label="MQTT broker">
        <Field
          label="Broker URL"
          description="mqtt://host:1883, mqtts://host:8883 (TLS), ws://host/mqtt or wss://host/mqtt (WebSocket)."
          htmlFor="tributary-mqtt-url"
          invalid={urlError !== undefined}
          error={urlError}
          required
        >
          <Input
            id="tributary-mqtt-url"
            width={48}
            value={url}
            placeholder={DEFAULT_MQTT_SETTINGS.url}
            onChange={(event: ChangeEvent<HTMLInputElement>) => setMqtt({ url: event.currentTarget.value.trim() })}
          />
        </Field>
        <Field
          label="Client id"
          description="Empty: tributary-<host>-<pid>-<random>, unique per backend process. Set an id only if the broker requires one: two clients with the same id keep kicking each other off."
          htmlFor="tributary-mqtt-client-id"
        >
          <Input
            id="tributary-mqtt-client-id"
            width={48}
            value={mqtt.clientId ?? ''}
            placeholder="empty: unique per backend process"
            onChange={(event: ChangeEvent<HTMLInputElement>) => setMqtt({ clientId: event.currentTarget.value.trim() })}
          />
        </Field>
        <Field label="Username" description="Empty: connect without credentials." htmlFor="tributary-mqtt-username">
          <Input
            id="tributary-mqtt-username"
            width={48}
            value={mqtt.username ?? ''}
            autoComplete="off"
            onChange={(event: ChangeEvent<HTMLInputElement>) => setMqtt({ username: event.currentTarget.value })}
          />
        </Field>
        <Field label="Password" description="Stored encrypted by Grafana; never shown again or logged." htmlFor="tributary-mqtt-password">
          <SecretInput
            id="tributary-mqtt-password"
            width={48}
            isConfigured={secureFields.password === true}
            value={secureData.password ?? ''}
            autoComplete="new-password"
            onChange={(event: ChangeEvent<HTMLInputElement>) => setSecret('password', event.currentTarget.value)}
            onReset={() => resetSecret('password')}
          />
        </Field>
      </FieldSet>
      <TlsConfigEditor
        idPrefix="tributary-mqtt"
        peer="broker"
        usedWith="Used with mqtts:// and wss:// URLs."
        secrets={secretState(options)}
        onSecretChange={setSecret}
        onSecretReset={resetSecret}
        skipVerify={skipVerify}
        onSkipVerifyChange={(tlsSkipVerify) => setMqtt({ tlsSkipVerify })}
      />
      <FieldSet label="Connection">
        <Field label="QoS" description={`Quality of service of every subscription. Default ${DEFAULT_MQTT_SETTINGS.qos}.`}>
          <RadioButtonGroup<0 | 1 | 2> options={QOS_OPTIONS} value={mqtt.qos ?? DEFAULT_MQTT_SETTINGS.qos} onChange={(qos) => setMqtt({ qos })} />
        </Field>
        {NUMBER_FIELDS.map(({ key, label, description }) => (
          <SettingNumberField
            key={key}
            id={`tributary-mqtt-${key}`}
            label={label}
            description={description}
            defaultValue={DEFAULT_MQTT_SETTINGS[key]}
            range={MQTT_SETTINGS_RANGES[key]}
            value={mqtt[key]}
            validate={(value) => crossCheck(key, value)}
            onCommit={(value) => setMqtt({ [key]: value })}
          />
        ))}
        <Field
          label="Test topic"
          description="Save & test subscribes to it and shows the first message received within a few seconds. Empty: the topics of recent queries."
          htmlFor="tributary-mqtt-test-topic"
        >
          <Input
            id="tributary-mqtt-test-topic"
            width={48}
            value={mqtt.testTopic ?? ''}
            placeholder="e.g. sensors/#"
            onChange={(event: ChangeEvent<HTMLInputElement>) => setMqtt({ testTopic: event.currentTarget.value.trim() })}
          />
        </Field>
      </FieldSet>
    </>
  );
}
