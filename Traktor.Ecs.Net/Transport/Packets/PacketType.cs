namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>The low four bits of a packet's first byte (see docs/PROTOCOL.md).</summary>
internal enum PacketType : byte
{
    ConnectionRequest = 0,
    Challenge = 1,
    ChallengeResponse = 2,
    Denied = 3,
    Payload = 4,
    Disconnect = 5,
    InsecureRequest = 6,
    InsecureResponse = 7,
    /// <summary>A server's answer to a request of another protocol version; its layout is fixed forever (<see cref="VersionMismatchAnswer"/>).</summary>
    VersionMismatch = 8,
}
