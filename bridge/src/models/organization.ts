import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface OrganizationDoc {
  _id: Types.ObjectId;
  name: string;
  createdAt: Date;
}

const organizationSchema = new Schema<OrganizationDoc>(
  { name: { type: String, required: true, trim: true, maxlength: 200 } },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

export function organizationModel(connection: Connection): Model<OrganizationDoc> {
  return connection.model<OrganizationDoc>('Organization', organizationSchema, 'organizations');
}
