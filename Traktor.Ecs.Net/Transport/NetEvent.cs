using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>
/// One event from <c>TryPollEvent</c>. <see cref="Data"/> points into the transport's reusable buffer:
/// read or copy it before the next <c>Update</c>.
/// </summary>
public readonly record struct NetEvent(
    NetEventType Type,
    ConnectionId Connection,
    ulong ClientId,
    ChannelKind Channel,
    DisconnectReason Reason,
    ReadOnlyMemory<byte> Data)
{
    /// <summary>The receipt of a <see cref="NetEventType.Delivered"/> or <see cref="NetEventType.Lost"/> event (0 otherwise).</summary>
    public uint Receipt { get; init; }

    /// <summary>
    /// For a client's <see cref="NetEventType.Disconnected"/> event: true when the server's Disconnect packet ended the
    /// connection (the server is alive and said why), false when this end ended it (a timeout, its own disconnect). The
    /// event carries it, so a handler cannot read another end's value (<see cref="NetClient.LastDisconnectByServer"/>
    /// is the latest end's, which a second end queued before the events drained has already replaced).
    /// </summary>
    public bool ByServer { get; init; }
}
