namespace Traktor.Ecs.Net;

/// <summary>Settings of a <see cref="NatTraversal"/>.</summary>
public sealed class NatTraversalOptions
{
    /// <summary>The introducer's public address (required).</summary>
    public NetAddress Introducer { get; set; }

    /// <summary>How often a punch is sent to a peer while punching. Default 50 ms.</summary>
    public TimeSpan PunchInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long to punch before falling back to the relay. Default 2 s.</summary>
    public TimeSpan PunchTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a host registers again once registered (keeps its rendezvous and its NAT mapping to the introducer alive). Default 2 s.</summary>
    public TimeSpan RegisterInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a registration is repeated until it is answered. Default 250 ms.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Introduced peers held at once; introductions beyond it are ignored. Default 256.</summary>
    public int MaxPeers { get; set; } = 256;

    /// <summary>Traversal packets handled within one receive call before it yields. Default 1,024.</summary>
    public int MaxControlPacketsPerReceive { get; set; } = 1024;

    internal void Validate()
    {
        if (Introducer.IsNone) throw new ArgumentException("The introducer's address is required.", nameof(Introducer));
        if (PunchInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(PunchInterval));
        if (PunchTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(PunchTimeout));
        if (RegisterInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RegisterInterval));
        if (RetryInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RetryInterval));
        if (MaxPeers <= 0) throw new ArgumentOutOfRangeException(nameof(MaxPeers));
        if (MaxControlPacketsPerReceive <= 0) throw new ArgumentOutOfRangeException(nameof(MaxControlPacketsPerReceive));
    }
}
