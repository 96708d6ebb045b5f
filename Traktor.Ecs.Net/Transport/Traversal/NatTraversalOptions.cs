namespace Traktor.Ecs.Net;

/// <summary>Settings of a <see cref="NatTraversal"/>, which keeps a copy: changing this object afterwards does not change it.</summary>
public sealed class NatTraversalOptions
{
    /// <summary>The introducer's public address (required).</summary>
    public NetAddress Introducer { get; set; }

    /// <summary>How often a punch is sent to a peer while punching. Default 50 ms; positive, at most <see cref="PunchTimeout"/>.</summary>
    public TimeSpan PunchInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long to punch before falling back to the relay. Default 2 s; positive, at most <see cref="PunchTimeoutLimit"/>.</summary>
    public TimeSpan PunchTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The longest <see cref="PunchTimeout"/>: an hour, as <see cref="NetClientOptions.ConnectTimeoutLimit"/> (a punch or
    /// registration given longer outlives any token it was for).
    /// </summary>
    public static readonly TimeSpan PunchTimeoutLimit = NetClientOptions.ConnectTimeoutLimit;

    /// <summary>How often a host registers again once registered (keeps its rendezvous and its NAT mapping to the introducer alive). Default 2 s; positive, at most <see cref="RegisterIntervalLimit"/>.</summary>
    public TimeSpan RegisterInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest <see cref="RegisterInterval"/>: an hour, as <see cref="PunchTimeoutLimit"/>.</summary>
    public static readonly TimeSpan RegisterIntervalLimit = NetClientOptions.ConnectTimeoutLimit;

    /// <summary>How often a registration is repeated until it is answered. Default 250 ms; positive, at most <see cref="RetryIntervalLimit"/>.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest <see cref="RetryInterval"/>: an hour, as <see cref="PunchTimeoutLimit"/>.</summary>
    public static readonly TimeSpan RetryIntervalLimit = NetClientOptions.ConnectTimeoutLimit;

    /// <summary>Introduced peers held at once; introductions beyond it are ignored. Default 256; 1 to <see cref="MaxPeersLimit"/>.</summary>
    public int MaxPeers { get; set; } = 256;

    /// <summary>The largest <see cref="MaxPeers"/>: 65,536.</summary>
    public const int MaxPeersLimit = 65_536;

    /// <summary>Traversal packets handled within one receive call before it yields. Default 1,024; 1 to <see cref="MaxControlPacketsPerReceiveLimit"/>.</summary>
    public int MaxControlPacketsPerReceive { get; set; } = 1024;

    /// <summary>The largest <see cref="MaxControlPacketsPerReceive"/>: 1,048,576 (a receive call still yields under a flood).</summary>
    public const int MaxControlPacketsPerReceiveLimit = 1_048_576;

    /// <summary>The copy a traversal keeps (then validates); every member is a value, so a shallow copy is whole.</summary>
    internal NatTraversalOptions Snapshot() => (NatTraversalOptions)MemberwiseClone();

    internal void Validate()
    {
        if (Introducer.IsNone) throw new ArgumentException("The introducer's address is required.", nameof(Introducer));
        // A punch interval past the timeout sent one punch, which one lost datagram left unanswered.
        Time(PunchTimeout, PunchTimeoutLimit, nameof(PunchTimeout));
        if (PunchInterval <= TimeSpan.Zero || PunchInterval > PunchTimeout)
            throw new ArgumentOutOfRangeException(nameof(PunchInterval), PunchInterval, "PunchInterval must be positive and at most PunchTimeout.");
        Time(RegisterInterval, RegisterIntervalLimit, nameof(RegisterInterval));
        Time(RetryInterval, RetryIntervalLimit, nameof(RetryInterval));
        if (MaxPeers is <= 0 or > MaxPeersLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxPeers), MaxPeers, $"MaxPeers must be 1 to {MaxPeersLimit} (MaxPeersLimit).");
        if (MaxControlPacketsPerReceive is <= 0 or > MaxControlPacketsPerReceiveLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxControlPacketsPerReceive), MaxControlPacketsPerReceive,
                $"MaxControlPacketsPerReceive must be 1 to {MaxControlPacketsPerReceiveLimit} (MaxControlPacketsPerReceiveLimit).");
    }

    /// <summary>Refuses a time that is not positive or is past its limit, naming the option and its range.</summary>
    private static void Time(TimeSpan value, TimeSpan limit, string name)
    {
        if (value <= TimeSpan.Zero || value > limit)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and at most {limit} ({name}Limit).");
    }
}
