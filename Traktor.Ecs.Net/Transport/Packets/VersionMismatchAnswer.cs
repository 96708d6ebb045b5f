using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport.Security;
using P = Traktor.Ecs.Net.Transport.Packets.PacketLayout;

namespace Traktor.Ecs.Net.Transport.Packets;

/// <summary>
/// The answer a server gives a connection request of another protocol version (docs/PROTOCOL.md §3.7), and the two
/// layouts every version keeps so that versions understand each other this far: where a request's version string is,
/// and this answer. The answer is never sealed (a server cannot read another version's token, so it holds no key the
/// client could check), so it carries nothing secret and shows that it answers the client's own request only by echoing
/// a digest of that request: a party that did not see the request cannot forge the echo.
/// </summary>
internal static class VersionMismatchAnswer
{
    /// <summary>The first 6 bytes of every version string; bytes of another family are not a request of this protocol.</summary>
    public static ReadOnlySpan<byte> Family => "TRKNET"u8;

    /// <summary>
    /// Whether <paramref name="datagram"/> is a request (type 0 or 6, whatever its flags) of this protocol family in another
    /// version than <paramref name="ours"/>, at least as long as the answer (so the answer never amplifies).
    /// </summary>
    public static bool IsRequestOfAnotherVersion(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> ours)
    {
        if (datagram.Length < P.VersionAnswerSize) return false;
        if ((PacketType)(datagram[0] & P.TypeMask) is not (PacketType.ConnectionRequest or PacketType.InsecureRequest)) return false;
        var version = datagram.Slice(P.RequestVersion, ConnectTokenLayout.VersionSize);
        return version.StartsWith(Family) && !version.SequenceEqual(ours);
    }

    /// <summary>The echo of <paramref name="request"/>: the first 8 bytes of its SHA-256, over the whole datagram.</summary>
    public static void Echo(ReadOnlySpan<byte> request, Span<byte> echo)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(request, digest);
        digest[..P.VersionAnswerEchoSize].CopyTo(echo);
    }

    /// <summary>Writes the answer to <paramref name="request"/> from a server speaking <paramref name="ours"/>; returns its length.</summary>
    public static int Write(ReadOnlySpan<byte> request, ReadOnlySpan<byte> ours, Span<byte> answer)
    {
        answer[0] = (byte)PacketType.VersionMismatch;
        ours.CopyTo(answer[P.VersionAnswerVersion..]);
        Echo(request, answer.Slice(P.VersionAnswerEcho, P.VersionAnswerEchoSize));
        return P.VersionAnswerSize;
    }

    /// <summary>
    /// Whether <paramref name="answer"/> is a well-formed answer to the request whose echo is <paramref name="echo"/>,
    /// naming a version of the family other than <paramref name="ours"/> (the server's version: bytes 1 … 8).
    /// </summary>
    public static bool IsAnswerTo(ReadOnlySpan<byte> answer, ReadOnlySpan<byte> echo, ReadOnlySpan<byte> ours)
    {
        if (answer.Length != P.VersionAnswerSize || answer[0] != (byte)PacketType.VersionMismatch) return false;
        var version = answer.Slice(P.VersionAnswerVersion, ConnectTokenLayout.VersionSize);
        return version.StartsWith(Family) && !version.SequenceEqual(ours)
            && CryptographicOperations.FixedTimeEquals(answer.Slice(P.VersionAnswerEcho, P.VersionAnswerEchoSize), echo);
    }
}
