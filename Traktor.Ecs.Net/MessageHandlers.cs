namespace Traktor.Ecs.Net;

/// <summary>
/// The plugin's routing table: one handler per message kind (the first byte of every message), so
/// the replication, input and RPC layers and the application share one connection without knowing
/// about each other. Registering a kind twice is a programming error and throws.
/// </summary>
/// <typeparam name="THandler">The handler delegate (server or client shape).</typeparam>
internal sealed class MessageHandlers<THandler>
    where THandler : Delegate
{
    private readonly THandler?[] handlers = new THandler?[256];

    public void Register(byte kind, THandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (handlers[kind] is not null)
        {
            throw new InvalidOperationException($"Message kind 0x{kind:X2} already has a handler.");
        }

        handlers[kind] = handler;
    }

    /// <summary>The handler of the message's kind, or null for an empty message or an unknown kind.</summary>
    public THandler? For(ReadOnlySpan<byte> message) => message.IsEmpty ? null : handlers[message[0]];
}
