package resource

import "strings"

// KeyKind is the kind of an identity key.
type KeyKind string

// Identity key kinds. Strong keys identify one thing and merge records from
// several sources automatically; weak keys describe but never merge alone.
const (
	KeyMachineID        KeyKind = "machine-id"         // /etc/machine-id
	KeyDMIUUID          KeyKind = "dmi-uuid"           // SMBIOS/DMI system UUID
	KeyHostHardwareUUID KeyKind = "host-hardware-uuid" // vSphere host hardware UUID
	KeyVMInstanceUUID   KeyKind = "vm-instance-uuid"   // vSphere VM instance UUID
	KeyVMBIOSUUID       KeyKind = "vm-bios-uuid"       // guest BIOS UUID (clones share it)
	KeyDiskSerial       KeyKind = "disk-serial"        // physical disk serial number
	KeyDiskWWN          KeyKind = "disk-wwn"           // physical disk WWN
	KeyHostnameMAC      KeyKind = "hostname-mac"       // "hostname/aa:bb:cc:dd:ee:ff"
	KeyClusterNode      KeyKind = "cluster-node"       // "cluster/node"
	KeyClusterGuest     KeyKind = "cluster-guest"      // "cluster/vmid": a Proxmox VE guest in its cluster
	KeyPBSInstanceID    KeyKind = "pbs-instance-id"    // PBS server identity (GET /nodes/localhost/identity, from /etc/machine-id)
	KeySSHFingerprint   KeyKind = "ssh-fingerprint"    // agent key fingerprint
	KeyDMISerial        KeyKind = "dmi-serial"         // chassis serial (DR clones share it)
	KeyHostname         KeyKind = "hostname"
	KeyIP               KeyKind = "ip"
)

// Strength says whether a key kind may merge records on its own.
type Strength string

// Key strengths.
const (
	Strong Strength = "strong"
	Weak   Strength = "weak"
)

var keyStrength = map[KeyKind]Strength{
	KeyMachineID:        Strong,
	KeyDMIUUID:          Strong,
	KeyHostHardwareUUID: Strong,
	KeyVMInstanceUUID:   Strong,
	KeyVMBIOSUUID:       Weak,
	KeyDiskSerial:       Strong,
	KeyDiskWWN:          Strong,
	KeyHostnameMAC:      Strong,
	KeyClusterNode:      Strong,
	KeyClusterGuest:     Strong,
	KeyPBSInstanceID:    Strong,
	KeySSHFingerprint:   Strong,
	KeyDMISerial:        Weak,
	KeyHostname:         Weak,
	KeyIP:               Weak,
}

// KeyKinds lists every identity key kind.
var KeyKinds = []KeyKind{
	KeyMachineID, KeyDMIUUID, KeyHostHardwareUUID, KeyVMInstanceUUID, KeyVMBIOSUUID,
	KeyDiskSerial, KeyDiskWWN, KeyHostnameMAC, KeyClusterNode, KeyClusterGuest, KeyPBSInstanceID, KeySSHFingerprint,
	KeyDMISerial, KeyHostname, KeyIP,
}

// IsKeyKind reports whether k is a known identity key kind.
func IsKeyKind(k KeyKind) bool { _, ok := keyStrength[k]; return ok }

// StrengthOf returns the strength of a key kind; unknown kinds are weak.
func StrengthOf(k KeyKind) Strength {
	if s, ok := keyStrength[k]; ok {
		return s
	}
	return Weak
}

// IdentityKey is one identity assertion about a resource.
type IdentityKey struct {
	Kind  KeyKind `json:"kind"`
	Value string  `json:"value"`
}

// Strong reports whether the key may merge records on its own.
func (k IdentityKey) Strong() bool { return StrengthOf(k.Kind) == Strong }

// Normalized returns the key with its value normalized for comparison:
// trimmed and lower-cased (UUIDs, WWNs and MACs differ only in case between
// sources).
func (k IdentityKey) Normalized() IdentityKey {
	return IdentityKey{Kind: k.Kind, Value: strings.ToLower(strings.TrimSpace(k.Value))}
}

// String returns "kind=value".
func (k IdentityKey) String() string { return string(k.Kind) + "=" + k.Value }

// placeholderValues are values firmware and hypervisors put in identity fields
// when they have nothing real; they must never merge anything.
var placeholderValues = map[string]bool{
	"":                                     true,
	"00000000-0000-0000-0000-000000000000": true,
	"ffffffff-ffff-ffff-ffff-ffffffffffff": true,
	"03000200-0400-0500-0006-000700080009": true, // common OEM placeholder
	"not specified":                        true,
	"to be filled by o.e.m.":               true,
	"default string":                       true,
	"none":                                 true,
	"0":                                    true,
}

// Usable reports whether the key carries a real value (not a placeholder).
func (k IdentityKey) Usable() bool {
	return !placeholderValues[strings.ToLower(strings.TrimSpace(k.Value))]
}
