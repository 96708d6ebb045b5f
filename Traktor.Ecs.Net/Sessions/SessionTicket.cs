using System.Buffers.Binary;
using System.Text;

namespace Traktor.Ecs.Net.Sessions;

/// <summary>
/// What a session join puts in the connect token's user data (sealed with the game servers' key, so a game server
/// can trust it): which session the connection belongs to, when the join was granted, the session's capacity and
/// the player's display name. A game server routes the connection to the session by it, and refuses a ticket
/// issued before the player's last departure from that session. Layout in docs/PROTOCOL.md §2.4.
/// </summary>
/// <param name="SessionId">The session the token admits to.</param>
/// <param name="IssuedAt">When the directory granted the slot (its clock), to the millisecond.</param>
/// <param name="MaxPlayers">The session's capacity, so a server can host a session it learns of from the first token.</param>
/// <param name="PlayerName">The player's display name (at most <see cref="MaxNameBytes"/> bytes of UTF-8; longer is cut at a character boundary).</param>
public readonly record struct SessionTicket(SessionId SessionId, DateTimeOffset IssuedAt, int MaxPlayers, string PlayerName)
{
    /// <summary>The ticket format's version byte.</summary>
    public const byte Version = 1;

    /// <summary>Bytes of the fixed part (version, session id, issue time, capacity, name length).</summary>
    public const int HeaderSize = 1 + 16 + 8 + 2 + 1;

    /// <summary>Most UTF-8 bytes of the player name.</summary>
    public const int MaxNameBytes = 64;

    /// <summary>The largest ticket in bytes (fits the token's 256 bytes of user data).</summary>
    public const int MaxSize = HeaderSize + MaxNameBytes;

    /// <summary>Writes the ticket.</summary>
    /// <param name="destination">At least <see cref="MaxSize"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    public int Write(Span<byte> destination)
    {
        if (destination.Length < MaxSize)
        {
            throw new ArgumentException($"A session ticket needs {MaxSize} bytes.", nameof(destination));
        }

        if (MaxPlayers is < 1 or > SessionLimits.MaxPlayers)
        {
            throw new InvalidOperationException($"A session holds 1 to {SessionLimits.MaxPlayers} players.");
        }

        destination[0] = Version;
        SessionId.Value.TryWriteBytes(destination[1..17]);
        BinaryPrimitives.WriteInt64LittleEndian(destination[17..], IssuedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt16LittleEndian(destination[25..], (ushort)MaxPlayers);
        int nameBytes = Utf8Prefix(PlayerName ?? string.Empty, destination.Slice(HeaderSize, MaxNameBytes));
        destination[27] = (byte)nameBytes;
        return HeaderSize + nameBytes;
    }

    /// <summary>Reads a ticket from a token's user data; never throws.</summary>
    /// <param name="userData">The user data (trailing zero bytes are ignored).</param>
    /// <param name="ticket">The ticket, when valid.</param>
    /// <returns>False for anything that is not a valid ticket.</returns>
    public static bool TryRead(ReadOnlySpan<byte> userData, out SessionTicket ticket)
    {
        ticket = default;
        if (userData.Length < HeaderSize || userData[0] != Version)
        {
            return false;
        }

        long issued = BinaryPrimitives.ReadInt64LittleEndian(userData[17..]);
        int maxPlayers = BinaryPrimitives.ReadUInt16LittleEndian(userData[25..]);
        int nameBytes = userData[27];
        if (issued < 0 || issued > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() || maxPlayers is < 1 or > SessionLimits.MaxPlayers
            || nameBytes > MaxNameBytes || userData.Length < HeaderSize + nameBytes)
        {
            return false;
        }

        string name;
        try
        {
            name = StrictUtf8.GetString(userData.Slice(HeaderSize, nameBytes));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        ticket = new SessionTicket(new SessionId(new Guid(userData[1..17])), DateTimeOffset.FromUnixTimeMilliseconds(issued), maxPlayers, name);
        return true;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static int Utf8Prefix(string text, Span<byte> destination)
    {
        // Whole characters only: a name cut inside a multi-byte sequence would not decode.
        int written = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (written + rune.Utf8SequenceLength > destination.Length)
            {
                break;
            }

            written += rune.EncodeToUtf8(destination[written..]);
        }

        return written;
    }
}
