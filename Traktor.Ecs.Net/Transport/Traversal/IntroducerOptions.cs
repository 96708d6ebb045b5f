namespace Traktor.Ecs.Net;

/// <summary>
/// Limits of an <see cref="Introducer"/>: everything it receives is untrusted, so every table and rate is bounded, and
/// every limit has an upper end. The introducer keeps a copy: changing this object afterwards does not change it.
/// </summary>
public sealed class IntroducerOptions
{
    /// <summary>Rendezvous (hosts waiting for peers) held at once; registrations beyond it are dropped. Default 4,096; 1 to <see cref="MaxRendezvousLimit"/>.</summary>
    public int MaxRendezvous { get; set; } = 4096;

    /// <summary>The largest <see cref="MaxRendezvous"/>: 1,048,576 (each rendezvous is a table entry an unauthenticated datagram can make).</summary>
    public const int MaxRendezvousLimit = 1_048_576;

    /// <summary>Routes (introduced host–joiner pairs, each a relay session) held at once. Default 4,096; 1 to <see cref="MaxRoutesLimit"/>.</summary>
    public int MaxRoutes { get; set; } = 4096;

    /// <summary>The largest <see cref="MaxRoutes"/>: 1,048,576 (each route is a relay session with its own rate buckets).</summary>
    public const int MaxRoutesLimit = 1_048_576;

    /// <summary>Routes per rendezvous (joiners of one host). Default 64; 1 to <see cref="MaxRoutesPerRendezvousLimit"/>.</summary>
    public int MaxRoutesPerRendezvous { get; set; } = 64;

    /// <summary>The largest <see cref="MaxRoutesPerRendezvous"/>: 65,536.</summary>
    public const int MaxRoutesPerRendezvousLimit = 65_536;

    /// <summary>Rendezvous one IPv4 address or IPv6 /64 may host at once (any port). Default 32; 1 to <see cref="MaxRendezvousPerAddressLimit"/>.</summary>
    public int MaxRendezvousPerAddress { get; set; } = 32;

    /// <summary>The largest <see cref="MaxRendezvousPerAddress"/>: 65,536.</summary>
    public const int MaxRendezvousPerAddressLimit = 65_536;

    /// <summary>Routes one IPv4 address or IPv6 /64 may hold as a joiner at once (any port). Default 32; 1 to <see cref="MaxRoutesPerAddressLimit"/>.</summary>
    public int MaxRoutesPerAddress { get; set; } = 32;

    /// <summary>The largest <see cref="MaxRoutesPerAddress"/>: 65,536.</summary>
    public const int MaxRoutesPerAddressLimit = 65_536;

    /// <summary>A host that has not registered again for this long is forgotten with its routes. Default 10 s; positive, at most <see cref="HostTimeoutLimit"/>.</summary>
    public TimeSpan HostTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest <see cref="HostTimeout"/>: a day, as <see cref="NetPeerOptions.TimeoutLimit"/> (<see cref="TimeSpan.MaxValue"/>
    /// kept a vanished host's rendezvous, and its slot of <see cref="MaxRendezvousPerAddress"/>, for good).
    /// </summary>
    public static readonly TimeSpan HostTimeoutLimit = NetPeerOptions.TimeoutLimit;

    /// <summary>A route nothing was relayed on (nor registered for) for this long is removed. Default 30 s; positive, at most <see cref="RouteIdleTimeoutLimit"/>.</summary>
    public TimeSpan RouteIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest <see cref="RouteIdleTimeout"/>: a day, as <see cref="HostTimeoutLimit"/>.</summary>
    public static readonly TimeSpan RouteIdleTimeoutLimit = NetPeerOptions.TimeoutLimit;

    /// <summary>Datagrams per second relayed for each side of a route (a burst of one second's worth). Default 500; finite, at least 1.</summary>
    public double RelayPacketsPerSecond { get; set; } = 500;

    /// <summary>Bytes per second relayed for each side of a route (a burst of one second's worth). Default 256 KiB; finite, at least <see cref="MaxRelayDatagram"/>.</summary>
    public double RelayBytesPerSecond { get; set; } = 256 * 1024;

    /// <summary>
    /// The largest relayed datagram, header included; larger ones are dropped. Default 1,472 (a 1,500-byte Ethernet
    /// frame's UDP payload); <see cref="MinMaxRelayDatagram"/> to <see cref="MaxRelayDatagramLimit"/>.
    /// </summary>
    public int MaxRelayDatagram { get; set; } = 1472;

    /// <summary>The smallest <see cref="MaxRelayDatagram"/>: 64 bytes (a relay header and a little payload).</summary>
    public const int MinMaxRelayDatagram = 64;

    /// <summary>The largest <see cref="MaxRelayDatagram"/>: 65,507 bytes, the largest UDP payload over IPv4.</summary>
    public const int MaxRelayDatagramLimit = 65_507;

    /// <summary>Register packets per second per source IPv4 address or IPv6 /64, whatever the port (a burst of twice that). Default 10; finite, at least 0.5.</summary>
    public double RegistersPerSecond { get; set; } = 10;

    /// <summary>Datagrams handled per <see cref="Introducer.Update"/>. Default 4,096; 1 to <see cref="MaxDatagramsPerUpdateLimit"/>.</summary>
    public int MaxDatagramsPerUpdate { get; set; } = 4096;

    /// <summary>The largest <see cref="MaxDatagramsPerUpdate"/>: 1,048,576, as <see cref="NetPeerOptions.MaxDatagramsPerUpdateLimit"/>.</summary>
    public const int MaxDatagramsPerUpdateLimit = NetPeerOptions.MaxDatagramsPerUpdateLimit;

    /// <summary>The copy an introducer keeps (then validates); every member is a value, so a shallow copy is whole.</summary>
    internal IntroducerOptions Snapshot() => (IntroducerOptions)MemberwiseClone();

    internal void Validate()
    {
        Count(MaxRendezvous, MaxRendezvousLimit, nameof(MaxRendezvous));
        Count(MaxRoutes, MaxRoutesLimit, nameof(MaxRoutes));
        Count(MaxRoutesPerRendezvous, MaxRoutesPerRendezvousLimit, nameof(MaxRoutesPerRendezvous));
        Count(MaxRendezvousPerAddress, MaxRendezvousPerAddressLimit, nameof(MaxRendezvousPerAddress));
        Count(MaxRoutesPerAddress, MaxRoutesPerAddressLimit, nameof(MaxRoutesPerAddress));
        if (HostTimeout <= TimeSpan.Zero || HostTimeout > HostTimeoutLimit)
            throw new ArgumentOutOfRangeException(nameof(HostTimeout), HostTimeout, $"HostTimeout must be positive and at most {HostTimeoutLimit} (HostTimeoutLimit).");
        if (RouteIdleTimeout <= TimeSpan.Zero || RouteIdleTimeout > RouteIdleTimeoutLimit)
            throw new ArgumentOutOfRangeException(nameof(RouteIdleTimeout), RouteIdleTimeout, $"RouteIdleTimeout must be positive and at most {RouteIdleTimeoutLimit} (RouteIdleTimeoutLimit).");
        // Each rate's bucket holds one second's worth (registers: two), so a rate below one packet (one largest datagram)
        // a second would refuse everything, silently; NaN or infinity makes the bucket NaN or turns the limit off.
        if (!(RelayPacketsPerSecond >= 1 && double.IsFinite(RelayPacketsPerSecond)))
            throw new ArgumentOutOfRangeException(nameof(RelayPacketsPerSecond), RelayPacketsPerSecond, "RelayPacketsPerSecond must be finite and at least 1.");
        if (MaxRelayDatagram is < MinMaxRelayDatagram or > MaxRelayDatagramLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxRelayDatagram), MaxRelayDatagram, $"MaxRelayDatagram must be {MinMaxRelayDatagram} to {MaxRelayDatagramLimit} (MinMaxRelayDatagram to MaxRelayDatagramLimit).");
        if (!(RelayBytesPerSecond >= MaxRelayDatagram && double.IsFinite(RelayBytesPerSecond)))
            throw new ArgumentOutOfRangeException(nameof(RelayBytesPerSecond), RelayBytesPerSecond, "RelayBytesPerSecond must be finite and at least MaxRelayDatagram.");
        if (!(RegistersPerSecond >= 0.5 && double.IsFinite(RegistersPerSecond)))
            throw new ArgumentOutOfRangeException(nameof(RegistersPerSecond), RegistersPerSecond, "RegistersPerSecond must be finite and at least 0.5 (a burst of one).");
        Count(MaxDatagramsPerUpdate, MaxDatagramsPerUpdateLimit, nameof(MaxDatagramsPerUpdate));
    }

    /// <summary>Refuses a count outside 1 to its limit, naming the option and its range.</summary>
    private static void Count(int value, int limit, string name)
    {
        if (value <= 0 || value > limit)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be 1 to {limit} ({name}Limit).");
    }
}
