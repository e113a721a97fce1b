import type { components, paths } from './schema';

type Schemas = components['schemas'];

/** The API's bodies, named by what the page shows, from the generated OpenAPI schema. */
export type SystemStatus = Schemas['SystemStatusDto'];
export type NetworkInterfaceStatus = Schemas['NetworkInterfaceDto'];

export type SignedIn = Schemas['AuthSessionDto'];
export type User = Schemas['UserDto'];
export type Role = Schemas['Role'];
export type NewUser = Schemas['CreateUserDto'];
export type UserChanges = Schemas['UpdateUserDto'];
export type SessionInfo = Schemas['SessionDto'];
export type TotpEnrolment = Schemas['TotpEnrolmentDto'];
export type TotpStatus = Schemas['TotpStatusDto'];
export type SecuritySettings = Schemas['SecuritySettingsDto'];
export type AuditPage = Schemas['AuditPageDto'];
export type AuditEvent = Schemas['AuditEventDto'];
export type AuditAction = Schemas['AuditAction'];
export type AuditQuery = NonNullable<paths['/api/audit']['get']['parameters']['query']>;
export type ErrorCode = Schemas['ErrorCode'];
export type Certificates = Schemas['CertificatesDto'];
export type CertificateInfo = Schemas['CertificateDto'];
export type CertificateUpload = Schemas['ImportCertificateDto'];
