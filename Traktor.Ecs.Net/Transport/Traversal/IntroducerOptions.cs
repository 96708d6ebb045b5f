namespace Traktor.Ecs.Net;

/// <summary>
/// Limits of an <see cref="Introducer"/>: everything it receives is untrusted, so every table and rate is bounded, and
/// every limit has an upper end. The introducer keeps a copy: changing this object afterwards does not change it.
/// </summary>
public sealed class IntroducerOptions
{
    /// <summary>Rendezvous (hosts waiting for peers) held at once; registrations beyond it are dropped. Default 4,096; 1 to 1,048,576.</summary>
    public int MaxRendezvous { get; set; } = 4096;

    /// <summary>Routes (introduced host–joiner pairs, each a relay session) held at once. Default 4,096; 1 to 1,048,576.</summary>
    public int MaxRoutes { get; set; } = 4096;

    /// <summary>Routes per rendezvous (joiners of one host). Default 64; 1 to 65,536.</summary>
    public int MaxRoutesPerRendezvous { get; set; } = 64;

    /// <summary>Rendezvous one IPv4 address or IPv6 /64 may host at once (any port). Default 32; 1 to 65,536.</summary>
    public int MaxRendezvousPerAddress { get; set; } = 32;

    /// <summary>Routes one IPv4 address or IPv6 /64 may hold as a joiner at once (any port). Default 32; 1 to 65,536.</summary>
    public int MaxRoutesPerAddress { get; set; } = 32;

    /// <summary>A host that has not registered again for this long is forgotten with its routes. Default 10 s; positive, at most a day.</summary>
    public TimeSpan HostTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A route nothing was relayed on (nor registered for) for this long is removed. Default 30 s; positive, at most a day.</summary>
    public TimeSpan RouteIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Datagrams per second relayed for each side of a route (a burst of one second's worth). Default 500; finite, at least 1.</summary>
    public double RelayPacketsPerSecond { get; set; } = 500;

    /// <summary>Bytes per second relayed for each side of a route (a burst of one second's worth). Default 256 KiB; finite, at least <see cref="MaxRelayDatagram"/>.</summary>
    public double RelayBytesPerSecond { get; set; } = 256 * 1024;

    /// <summary>The largest relayed datagram, header included; larger ones are dropped. Default 1,472 (a 1,500-byte Ethernet frame's UDP payload).</summary>
    public int MaxRelayDatagram { get; set; } = 1472;

    /// <summary>Register packets per second per source IPv4 address or IPv6 /64, whatever the port (a burst of twice that). Default 10; finite, at least 0.5.</summary>
    public double RegistersPerSecond { get; set; } = 10;

    /// <summary>Datagrams handled per <see cref="Introducer.Update"/>. Default 4,096; 1 to 1,048,576.</summary>
    public int MaxDatagramsPerUpdate { get; set; } = 4096;

    /// <summary>The copy an introducer keeps (then validates); every member is a value, so a shallow copy is whole.</summary>
    internal IntroducerOptions Snapshot() => (IntroducerOptions)MemberwiseClone();

    internal void Validate()
    {
        if (MaxRendezvous is <= 0 or > 1_048_576) throw new ArgumentOutOfRangeException(nameof(MaxRendezvous), MaxRendezvous, "1 to 1,048,576.");
        if (MaxRoutes is <= 0 or > 1_048_576) throw new ArgumentOutOfRangeException(nameof(MaxRoutes), MaxRoutes, "1 to 1,048,576.");
        if (MaxRoutesPerRendezvous is <= 0 or > 65_536) throw new ArgumentOutOfRangeException(nameof(MaxRoutesPerRendezvous), MaxRoutesPerRendezvous, "1 to 65,536.");
        if (MaxRendezvousPerAddress is <= 0 or > 65_536) throw new ArgumentOutOfRangeException(nameof(MaxRendezvousPerAddress), MaxRendezvousPerAddress, "1 to 65,536.");
        if (MaxRoutesPerAddress is <= 0 or > 65_536) throw new ArgumentOutOfRangeException(nameof(MaxRoutesPerAddress), MaxRoutesPerAddress, "1 to 65,536.");
        // A day as NetPeerOptions.TimeoutLimit: TimeSpan.MaxValue kept a vanished host's rendezvous, and its slot of
        // MaxRendezvousPerAddress, for good.
        if (HostTimeout <= TimeSpan.Zero || HostTimeout > NetPeerOptions.TimeoutLimit) throw new ArgumentOutOfRangeException(nameof(HostTimeout), HostTimeout, "Positive, at most a day.");
        if (RouteIdleTimeout <= TimeSpan.Zero || RouteIdleTimeout > NetPeerOptions.TimeoutLimit) throw new ArgumentOutOfRangeException(nameof(RouteIdleTimeout), RouteIdleTimeout, "Positive, at most a day.");
        // Each rate's bucket holds one second's worth (registers: two), so a rate below one packet (one largest datagram)
        // a second would refuse everything, silently; NaN or infinity makes the bucket NaN or turns the limit off.
        if (!(RelayPacketsPerSecond >= 1 && double.IsFinite(RelayPacketsPerSecond)))
            throw new ArgumentOutOfRangeException(nameof(RelayPacketsPerSecond), RelayPacketsPerSecond, "Finite, at least 1.");
        if (MaxRelayDatagram is < 64 or > 65507) throw new ArgumentOutOfRangeException(nameof(MaxRelayDatagram));
        if (!(RelayBytesPerSecond >= MaxRelayDatagram && double.IsFinite(RelayBytesPerSecond)))
            throw new ArgumentOutOfRangeException(nameof(RelayBytesPerSecond), RelayBytesPerSecond, "Finite, at least MaxRelayDatagram.");
        if (!(RegistersPerSecond >= 0.5 && double.IsFinite(RegistersPerSecond)))
            throw new ArgumentOutOfRangeException(nameof(RegistersPerSecond), RegistersPerSecond, "Finite, at least 0.5 (a burst of one).");
        if (MaxDatagramsPerUpdate is <= 0 or > 1_048_576) throw new ArgumentOutOfRangeException(nameof(MaxDatagramsPerUpdate));
    }
}
