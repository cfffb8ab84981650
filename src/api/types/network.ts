/** Network wire types shared by container create/inspect/list (swagger v1.50 `EndpointSettings`). */

export interface EndpointIPAMConfig {
  IPv4Address?: string;
  IPv6Address?: string;
  LinkLocalIPs?: string[] | null;
}

/** A container's endpoint on one network. Request side uses the first block; the rest is reported. */
export interface EndpointSettings {
  IPAMConfig?: EndpointIPAMConfig | null;
  Links?: string[] | null;
  MacAddress?: string;
  Aliases?: string[] | null;
  DriverOpts?: Record<string, string> | null;
  GwPriority?: number;
  NetworkID?: string;
  EndpointID?: string;
  Gateway?: string;
  IPAddress?: string;
  IPPrefixLen?: number;
  IPv6Gateway?: string;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  DNSNames?: string[] | null;
}

/** `NetworkingConfig` of a create request: network name → endpoint settings. */
export interface NetworkingConfig {
  EndpointsConfig?: Record<string, EndpointSettings> | null;
}

export interface Address {
  Addr: string;
  PrefixLen: number;
}

/** IPAM of a network: `GET /networks/{id}`. */
export interface NetworkIPAM {
  Driver: string;
  Options: Record<string, string> | null;
  /** null for host and none, as dockerd 28. */
  Config: { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[] | null;
}

/** A container on a network, as listed by network inspect. */
export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** `GET /networks` items and `GET /networks/{id}` (swagger v1.50 `NetworkResource`). */
export interface NetworkResource {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: NetworkIPAM;
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}
