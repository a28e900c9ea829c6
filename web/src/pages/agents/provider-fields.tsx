// Provider and model of a managed agent. Until the LLM module lands there is no provider list:
// the model is typed and the instance's default provider is used.
import { Field, Input } from '../../components/form';

export function ProviderModelFields({ model, onModel }: { providerId: string; model: string; onProvider: (id: string) => void; onModel: (m: string) => void }) {
  return (
    <Field label="Model" hint="Served by the instance's default LLM provider.">
      {(p) => <Input {...p} value={model} onChange={(e) => onModel(e.target.value)} required maxLength={200} placeholder="gpt-4o-mini" />}
    </Field>
  );
}
