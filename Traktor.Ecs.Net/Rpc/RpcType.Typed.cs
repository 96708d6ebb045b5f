using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net.Rpc;

/// <summary>The typed half of <see cref="RpcType"/>: generic over the generated serializer so calls are direct.</summary>
/// <typeparam name="TMessage">The RPC struct.</typeparam>
/// <typeparam name="TSerializer">Its generated serializer.</typeparam>
internal sealed class RpcType<TMessage, TSerializer> : RpcType, IRpcWriter<TMessage>
    where TMessage : struct
    where TSerializer : struct, IMessageSerializer<TMessage>
{
    private readonly QueryDescription pending = new QueryDescription().WithAll<TMessage, RpcOutgoing>();

    public RpcType(ushort id)
        : base(id, typeof(TMessage), TSerializer.Channel)
    {
    }

    internal override void Stage(World world, RpcStaging staging)
    {
        foreach (ref var chunk in world.Query(in pending))
        {
            var messages = chunk.GetReadOnlySpan<TMessage>();
            var outgoing = chunk.GetReadOnlySpan<RpcOutgoing>();
            var entities = chunk.Entities.AsSpan();
            for (int i = 0; i < messages.Length; i++)
            {
                var writer = new BitWriter(staging.Reserve());
                TSerializer.Write(ref writer, in messages[i]);
                staging.Commit(this, outgoing[i], writer.IsOverflowed ? -1 : writer.BytesWritten, entities[i]);
            }
        }
    }

    /// <inheritdoc />
    public int Write(in TMessage message, Span<byte> destination)
    {
        var writer = new BitWriter(destination);
        TSerializer.Write(ref writer, in message);
        return writer.IsOverflowed ? -1 : writer.BytesWritten;
    }

    internal override bool Deliver(World world, ReadOnlySpan<byte> payload, in RpcSource source)
    {
        var reader = new BitReader(payload);
        TSerializer.Read(ref reader, out var message);

        // Exactly the bytes the writer produced: anything shorter failed, anything longer is not ours.
        if (reader.IsFailed || (reader.BitsRead + 7) / 8 != payload.Length)
        {
            return false;
        }

        world.Create(in message, in source);
        return true;
    }
}
