
namespace Traktor.Ecs.Net.Serialization;

/// <summary>
/// What the generator adds for an <c>[Rpc]</c> struct: one-call write and read of the whole message.
/// The network type id comes from the <see cref="IComponentSerializer{TComponent, TSnapshot}"/> the same struct implements.
/// </summary>
/// <typeparam name="TMessage">The event struct.</typeparam>
public interface IMessageSerializer<TMessage>
    where TMessage : struct
{
    /// <summary>The delivery guarantee declared by <see cref="RpcAttribute.Channel"/>.</summary>
    static abstract Channel Channel { get; }

    /// <summary>Quantizes and writes every field.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="message">The message.</param>
    static abstract void Write(ref BitWriter writer, in TMessage message);

    /// <summary>Reads a message; check the reader's failed state before using it.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="message">The message (defaults where failed).</param>
    static abstract void Read(ref BitReader reader, out TMessage message);
}
