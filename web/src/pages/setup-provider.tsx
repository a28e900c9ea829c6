// Setup wizard step: the instance's default LLM provider, with a connection test before moving on.
import { useState } from 'react';
import type { LlmProvider } from '../lib/types';
import { Button } from '../components/button';
import { Alert } from '../components/feedback';
import { ProviderForm, TestConnection } from './settings/provider-form';

export function ProviderStep({ onDone }: { onDone: () => void }) {
  const [saved, setSaved] = useState<LlmProvider | null>(null);
  if (saved) {
    return (
      <div className="space-y-4">
        <Alert tone="success">{saved.isDefault ? `${saved.name} is the default provider.` : `${saved.name} was added.`}</Alert>
        <TestConnection providerId={saved.id} />
        <div className="flex justify-end">
          <Button onClick={onDone}>Continue</Button>
        </div>
      </div>
    );
  }
  return (
    <ProviderForm
      onSaved={setSaved}
      makeDefault
      submitLabel="Save provider"
      extra={
        <Button variant="ghost" onClick={onDone}>
          Skip
        </Button>
      }
    />
  );
}
