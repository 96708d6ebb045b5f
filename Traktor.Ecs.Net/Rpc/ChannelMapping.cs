using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Rpc;

/// <summary>Maps the attribute's <see cref="Channel"/> to the transport's <see cref="ChannelKind"/> (their numbering differs).</summary>
internal static class ChannelMapping
{
    /// <summary>The transport channel of a declared channel.</summary>
    /// <param name="channel">From <see cref="RpcAttribute.Channel"/>.</param>
    /// <returns>The transport channel.</returns>
    public static ChannelKind ToTransport(this Channel channel) => channel switch
    {
        Channel.ReliableUnordered => ChannelKind.ReliableUnordered,
        Channel.Unreliable => ChannelKind.Unreliable,
        Channel.UnreliableSequenced => ChannelKind.UnreliableSequenced,
        _ => ChannelKind.ReliableOrdered,
    };
}
