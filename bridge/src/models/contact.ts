import { Schema, type Connection, type Model } from 'mongoose';

/** A WhatsApp contact as a session sees it; `_id` is derived from (organization, session, jid). */
export interface ContactDoc {
  _id: string;
  organizationId: string;
  session: string;
  jid: string;
  name: string | null;
  notify: string | null;
  verifiedName: string | null;
  phoneNumber: string | null;
  lid: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const contactSchema = new Schema<ContactDoc>(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    session: { type: String, required: true },
    jid: { type: String, required: true },
    name: { type: String, default: null },
    notify: { type: String, default: null },
    verifiedName: { type: String, default: null },
    phoneNumber: { type: String, default: null },
    lid: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);
contactSchema.index({ organizationId: 1, session: 1, jid: 1 }, { unique: true });
// Cursor paging walks _id in order, per organization or per session.
contactSchema.index({ organizationId: 1, _id: 1 });
contactSchema.index({ organizationId: 1, session: 1, _id: 1 });

export function contactModel(connection: Connection): Model<ContactDoc> {
  return connection.model<ContactDoc>('Contact', contactSchema, 'contacts');
}
