import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Which phone number a LID (WhatsApp's privacy address, `…@lid`) stands for, as WhatsApp or
 * Baileys told one of the organization's sessions. A LID belongs to a WhatsApp account, not to
 * the session that saw it, so one mapping serves every session of the organization.
 */
export interface LidMappingDoc {
  /** `<organizationId>\u0001<lid>`. */
  _id: string;
  organizationId: string;
  lid: string;
  pn: string;
  updatedAt: Date;
}

const lidMappingSchema = new Schema<LidMappingDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    lid: { type: String, required: true },
    pn: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);
lidMappingSchema.index({ organizationId: 1, pn: 1 });

export function lidMappingModel(connection: Connection): Model<LidMappingDoc> {
  return connection.model<LidMappingDoc>('LidMapping', lidMappingSchema, 'lid_mappings');
}
