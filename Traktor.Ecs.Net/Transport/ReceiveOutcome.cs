namespace Traktor.Ecs.Net.Transport;

/// <summary>What a connection did with one datagram from its address.</summary>
internal enum ReceiveOutcome : byte
{
    /// <summary>Authenticated, valid and handled.</summary>
    Accepted,
    /// <summary>Dropped unread: the connection had used its datagram budget for this update.</summary>
    OverBudget,
    /// <summary>Dropped: wrong type or size, replayed, or failed authentication (possibly not from the peer at all).</summary>
    Rejected,
    /// <summary>Authenticated but breaking the protocol: dropped and counted against the connection.</summary>
    Violation,
}
