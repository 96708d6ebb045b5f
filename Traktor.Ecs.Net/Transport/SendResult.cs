using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net;

/// <summary>The outcome of queueing a message.</summary>
public enum SendResult : byte
{
    /// <summary>Queued for sending.</summary>
    Queued = 0,
    /// <summary>The connection does not exist or is not connected.</summary>
    NotConnected = 1,
    /// <summary>The message is larger than the configured maximum message size.</summary>
    TooLarge = 2,
    /// <summary>An unreliable message was dropped because the send queue was full.</summary>
    DroppedQueueFull = 3,
    /// <summary>The reliable send queue overflowed; the connection is being closed with <see cref="DisconnectReason.SendQueueOverflow"/>.</summary>
    Overflow = 4,
    /// <summary>The message is empty: the protocol carries no zero-length messages (a receiver refuses them).</summary>
    Empty = 5,
}
