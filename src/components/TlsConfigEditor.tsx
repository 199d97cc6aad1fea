import React, { type ChangeEvent } from 'react';
import { Alert, Field, FieldSet, SecretTextArea, Switch } from '@grafana/ui';

import type { SecretState } from './secureJsonData';

/** secureJsonData keys of the TLS material; MQTT and the web sources use the same names. */
export type TlsSecureKey = 'tlsCACert' | 'tlsClientCert' | 'tlsClientKey';

export interface TlsConfigEditorProps {
  /** DOM id prefix, e.g. `tributary-mqtt`. */
  idPrefix: string;
  /** What sits at the other end, as users call it: "broker" or "server". */
  peer: string;
  /** When TLS is used, e.g. "Used with mqtts:// and wss:// URLs." */
  usedWith: string;
  secrets: SecretState;
  onSecretChange: (key: TlsSecureKey, value: string) => void;
  onSecretReset: (key: TlsSecureKey) => void;
  skipVerify: boolean;
  onSkipVerifyChange: (skipVerify: boolean) => void;
}

/**
 * TLS settings of every source that connects somewhere: CA certificate, client certificate and key
 * (secureJsonData, stored encrypted by Grafana) and "skip verification", with a warning while it is on.
 */
export function TlsConfigEditor({ idPrefix, peer, usedWith, secrets, onSecretChange, onSecretReset, skipVerify, onSkipVerifyChange }: TlsConfigEditorProps) {
  const fields: ReadonlyArray<{ key: TlsSecureKey; label: string; description: string; placeholder: string }> = [
    {
      key: 'tlsCACert',
      label: 'CA certificate',
      description: `PEM of the CA that signed the ${peer}'s certificate. Empty: the system's CAs.`,
      placeholder: '-----BEGIN CERTIFICATE-----',
    },
    { key: 'tlsClientCert', label: 'Client certificate', description: `PEM, for ${peer}s that require client certificates (mTLS).`, placeholder: '-----BEGIN CERTIFICATE-----' },
    { key: 'tlsClientKey', label: 'Client key', description: 'PEM private key of the client certificate.', placeholder: '-----BEGIN PRIVATE KEY-----' },
  ];
  return (
    <FieldSet label="TLS">
      <p>{usedWith} Certificates and the key are stored encrypted by Grafana.</p>
      {fields.map(({ key, label, description, placeholder }) => (
        <Field key={key} label={label} description={description} htmlFor={`${idPrefix}-${key}`}>
          <SecretTextArea
            id={`${idPrefix}-${key}`}
            rows={5}
            cols={64}
            placeholder={placeholder}
            isConfigured={secrets.isConfigured(key)}
            value={secrets.typed(key)}
            onChange={(event: ChangeEvent<HTMLTextAreaElement>) => onSecretChange(key, event.currentTarget.value)}
            onReset={() => onSecretReset(key)}
          />
        </Field>
      ))}
      <Field label="Skip certificate verification" description={`Accept any certificate the ${peer} presents. Only for testing.`} htmlFor={`${idPrefix}-skip-verify`}>
        <Switch id={`${idPrefix}-skip-verify`} value={skipVerify} onChange={(event) => onSkipVerifyChange(event.currentTarget.checked)} />
      </Field>
      {skipVerify && (
        <Alert severity="warning" title="Certificate verification is off">
          Tributary accepts any certificate, so anyone between Grafana and the {peer} can read and change the data and see
          the secrets sent to it. Turn this off and add the {peer}&apos;s CA certificate instead.
        </Alert>
      )}
    </FieldSet>
  );
}
