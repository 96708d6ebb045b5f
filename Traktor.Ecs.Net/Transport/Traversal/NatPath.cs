namespace Traktor.Ecs.Net;

/// <summary>How <see cref="NatTraversal"/> reaches a peer the introducer introduced.</summary>
public enum NatPath
{
    /// <summary>Not an introduced peer.</summary>
    None = 0,

    /// <summary>Punching holes: datagrams go straight to the peer and may be filtered by a NAT until a punch is answered.</summary>
    Punching = 1,

    /// <summary>A punch was answered: datagrams go straight to the peer, peer to peer.</summary>
    Direct = 2,

    /// <summary>Punching did not succeed in time: datagrams go through the introducer's relay, still sealed end to end.</summary>
    Relayed = 3,
}
