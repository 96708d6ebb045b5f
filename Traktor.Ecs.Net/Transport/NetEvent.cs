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
}
