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
export type InputProblem = Schemas['InputProblemDto'];
export type Tunnel = Schemas['TunnelDto'];
export type TunnelPeer = Schemas['TunnelPeerDto'];
export type TunnelCheck = Schemas['TunnelCheckDto'];
export type TunnelImport = Schemas['TunnelImportDto'];
export type TunnelChanges = Schemas['UpdateTunnelDto'];
export type GatewayStatus = Schemas['GatewayStatusDto'];
export type ActiveTunnel = Schemas['ActiveTunnelDto'];
export type TunnelState = Schemas['TunnelState'];
export type ProfileHealth = Schemas['ProfileHealthDto'];
export type FailoverEvent = Schemas['FailoverEventDto'];
export type InterfaceRole = Schemas['InterfaceRole'];
export type SelfTestResult = Schemas['SelfTestResultDto'];
export type SelfTestCheck = Schemas['SelfTestCheckDto'];
export type SelfTestState = Schemas['SelfTestStateDto'];
export type RouterEvent = Schemas['EventDto'];
export type RouterEventList = Schemas['EventListDto'];
export type EventSeverity = Schemas['EventSeverity'];
export type WebhookSettings = Schemas['WebhookSettingsDto'];
export type WebhookDelivery = Schemas['WebhookDeliveryDto'];
