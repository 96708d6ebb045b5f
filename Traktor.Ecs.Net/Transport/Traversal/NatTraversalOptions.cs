namespace Traktor.Ecs.Net;

/// <summary>Settings of a <see cref="NatTraversal"/>, which keeps a copy: changing this object afterwards does not change it.</summary>
public sealed class NatTraversalOptions
{
    /// <summary>The introducer's public address (required).</summary>
    public NetAddress Introducer { get; set; }

    /// <summary>How often a punch is sent to a peer while punching. Default 50 ms; positive, at most <see cref="PunchTimeout"/>.</summary>
    public TimeSpan PunchInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long to punch before falling back to the relay. Default 2 s; positive, at most an hour.</summary>
    public TimeSpan PunchTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a host registers again once registered (keeps its rendezvous and its NAT mapping to the introducer alive). Default 2 s; positive, at most an hour.</summary>
    public TimeSpan RegisterInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a registration is repeated until it is answered. Default 250 ms; positive, at most an hour.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Introduced peers held at once; introductions beyond it are ignored. Default 256; 1 to 65,536.</summary>
    public int MaxPeers { get; set; } = 256;

    /// <summary>Traversal packets handled within one receive call before it yields. Default 1,024; 1 to 1,048,576.</summary>
    public int MaxControlPacketsPerReceive { get; set; } = 1024;

    /// <summary>The copy a traversal keeps (then validates); every member is a value, so a shallow copy is whole.</summary>
    internal NatTraversalOptions Snapshot() => (NatTraversalOptions)MemberwiseClone();

    internal void Validate()
    {
        if (Introducer.IsNone) throw new ArgumentException("The introducer's address is required.", nameof(Introducer));
        // An hour, as NetClientOptions.ConnectTimeoutLimit: a punch or registration given longer outlives any token it
        // was for. A punch interval past the timeout sent one punch, which one lost datagram left unanswered.
        if (PunchTimeout <= TimeSpan.Zero || PunchTimeout > NetClientOptions.ConnectTimeoutLimit) throw new ArgumentOutOfRangeException(nameof(PunchTimeout), PunchTimeout, "Positive, at most an hour.");
        if (PunchInterval <= TimeSpan.Zero || PunchInterval > PunchTimeout) throw new ArgumentOutOfRangeException(nameof(PunchInterval), PunchInterval, "Positive, at most PunchTimeout.");
        if (RegisterInterval <= TimeSpan.Zero || RegisterInterval > NetClientOptions.ConnectTimeoutLimit) throw new ArgumentOutOfRangeException(nameof(RegisterInterval), RegisterInterval, "Positive, at most an hour.");
        if (RetryInterval <= TimeSpan.Zero || RetryInterval > NetClientOptions.ConnectTimeoutLimit) throw new ArgumentOutOfRangeException(nameof(RetryInterval), RetryInterval, "Positive, at most an hour.");
        if (MaxPeers is <= 0 or > 65_536) throw new ArgumentOutOfRangeException(nameof(MaxPeers), MaxPeers, "1 to 65,536.");
        if (MaxControlPacketsPerReceive is <= 0 or > 1_048_576) throw new ArgumentOutOfRangeException(nameof(MaxControlPacketsPerReceive), MaxControlPacketsPerReceive, "1 to 1,048,576.");
    }
}
