namespace Traktor.Ecs.Net;

/// <summary>
/// How a simulated NAT (<see cref="NatSimulator"/>) maps an inside host's datagrams to public ports and which datagrams
/// from outside it lets in (RFC 4787 terms: mapping and filtering behaviour).
/// </summary>
public enum NatKind
{
    /// <summary>One public port for every destination; anyone may send to it (endpoint-independent mapping and filtering).</summary>
    FullCone = 0,

    /// <summary>One public port for every destination; only IP addresses the host has sent to may send to it (address-dependent filtering).</summary>
    AddressRestricted = 1,

    /// <summary>One public port for every destination; only the exact address and port the host has sent to may send to it (endpoint-dependent filtering).</summary>
    PortRestricted = 2,

    /// <summary>
    /// A new public port for every destination address and port (endpoint-dependent mapping), and only that destination
    /// may answer on it: the public address an introducer observes is useless to anyone else, so hole punching fails.
    /// </summary>
    Symmetric = 3,
}
