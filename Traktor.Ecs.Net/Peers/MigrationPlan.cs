using System.Buffers.Binary;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Peers;

/// <summary>
/// What a listen-server host tells each remote peer, while it lives, so the peers can go on without it
/// (docs/PROTOCOL.md section 15): the host's generation (<see cref="Epoch"/>), the successors in order with the
/// address of their standby socket and, per successor, a connect token for the receiving peer sealed with that
/// successor's own key; and who owns which replicated entity, so the successor knows whose entities are whose.
/// One plan is written per recipient (the tokens differ); everything else is the same for every peer, so every peer
/// elects the same successor: the first candidate that is not the departed host.
/// </summary>
internal sealed class MigrationPlan
{
    /// <summary>Message kind of a peer's standby announcement (peer → host).</summary>
    public const byte StandbyMessage = 0x88;

    /// <summary>Message kind of a migration plan (host → peer).</summary>
    public const byte PlanMessage = 0x89;

    /// <summary>Kind, standby key, address record.</summary>
    public const int StandbyBytes = 1 + 32 + AddressBytes;

    /// <summary>The most successors a plan names.</summary>
    public const int MaxCandidates = 8;

    /// <summary>The most ownership entries a plan carries; a receiver refuses a plan claiming more.</summary>
    public const int MaxOwners = 16384;

    /// <summary>Kind, epoch, version, tick, next network id, host client id, candidate count.</summary>
    public const int HeaderBytes = 1 + 4 + 4 + 4 + 4 + 8 + 1;

    private const int AddressBytes = 19;
    private const int CandidateBytes = 8 + AddressBytes + 1;
    private const int OwnerBytes = 4 + 8 + 1;

    /// <summary>The host's generation: the first host's plans carry 1, its successor's 2, and so on.</summary>
    public uint Epoch { get; set; }

    /// <summary>Increases with every plan of one epoch: a receiver keeps the newest.</summary>
    public uint Version { get; set; }

    /// <summary>The host's replication tick when the plan was written (the successor continues after it).</summary>
    public uint Tick { get; set; }

    /// <summary>The next network id the host would give: the successor never reuses one below it.</summary>
    public uint NextNetworkId { get; set; }

    /// <summary>The host's client id.</summary>
    public ulong Host { get; set; }

    /// <summary>The successors in order (join order): client id, standby address, and the recipient's token for it (empty for the recipient itself).</summary>
    public List<(ulong ClientId, NetAddress Address, byte[] Token)> Candidates { get; } = new();

    /// <summary>Replicated entities with an owner: network id, owning client id, and whether it is that client's player entity.</summary>
    public List<(uint NetId, ulong ClientId, bool Player)> Owners { get; } = new();

    /// <summary>The size of the plan on the wire.</summary>
    public int Size
    {
        get
        {
            int size = HeaderBytes + 2 + (Owners.Count * OwnerBytes);
            foreach (var candidate in Candidates) size += CandidateBytes + candidate.Token.Length;
            return size;
        }
    }

    /// <summary>Writes the plan; <paramref name="destination"/> holds at least <see cref="Size"/> bytes.</summary>
    public int Write(Span<byte> destination)
    {
        destination[0] = PlanMessage;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[1..], Epoch);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[5..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[9..], Tick);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[13..], NextNetworkId);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[17..], Host);
        destination[25] = (byte)Candidates.Count;
        int at = HeaderBytes;
        foreach (var (clientId, address, token) in Candidates)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[at..], clientId);
            TokenAddress.Write(destination[(at + 8)..], address);
            destination[at + 8 + AddressBytes] = token.Length == 0 ? (byte)0 : (byte)1;
            at += CandidateBytes;
            token.CopyTo(destination[at..]);
            at += token.Length;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(destination[at..], (ushort)Math.Min(Owners.Count, MaxOwners));
        at += 2;
        for (int i = 0; i < Owners.Count && i < MaxOwners; i++)
        {
            var (netId, clientId, player) = Owners[i];
            BinaryPrimitives.WriteUInt32LittleEndian(destination[at..], netId);
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(at + 4)..], clientId);
            destination[at + 12] = player ? (byte)1 : (byte)0;
            at += OwnerBytes;
        }

        return at;
    }

    /// <summary>
    /// Reads a plan from the host. Untrusted bytes: every count is bounded before it is used and the message must be
    /// read exactly; a malformed plan yields null and nothing else happens.
    /// </summary>
    public static MigrationPlan? TryRead(ReadOnlySpan<byte> message)
    {
        if (message.Length < HeaderBytes + 2 || message[0] != PlanMessage) return null;
        var plan = new MigrationPlan
        {
            Epoch = BinaryPrimitives.ReadUInt32LittleEndian(message[1..]),
            Version = BinaryPrimitives.ReadUInt32LittleEndian(message[5..]),
            Tick = BinaryPrimitives.ReadUInt32LittleEndian(message[9..]),
            NextNetworkId = BinaryPrimitives.ReadUInt32LittleEndian(message[13..]),
            Host = BinaryPrimitives.ReadUInt64LittleEndian(message[17..]),
        };
        int candidates = message[25];
        if (candidates > MaxCandidates) return null;
        int at = HeaderBytes;
        for (int i = 0; i < candidates; i++)
        {
            if (message.Length - at < CandidateBytes) return null;
            ulong clientId = BinaryPrimitives.ReadUInt64LittleEndian(message[at..]);
            if (!TokenAddress.TryRead(message[(at + 8)..], out var address)) return null;
            byte hasToken = message[at + 8 + AddressBytes];
            at += CandidateBytes;
            if (hasToken > 1 || (hasToken == 1 && message.Length - at < ConnectTokenIssuer.TokenSize)) return null;
            byte[] token = hasToken == 1 ? message.Slice(at, ConnectTokenIssuer.TokenSize).ToArray() : [];
            at += token.Length;
            plan.Candidates.Add((clientId, address, token));
        }

        if (message.Length - at < 2) return null;
        int owners = BinaryPrimitives.ReadUInt16LittleEndian(message[at..]);
        at += 2;
        if (owners > MaxOwners || message.Length - at != owners * OwnerBytes) return null;
        for (int i = 0; i < owners; i++, at += OwnerBytes)
        {
            if (message[at + 12] > 1) return null;
            plan.Owners.Add((BinaryPrimitives.ReadUInt32LittleEndian(message[at..]), BinaryPrimitives.ReadUInt64LittleEndian(message[(at + 4)..]), message[at + 12] == 1));
        }

        return plan;
    }

    /// <summary>Writes a peer's standby announcement: the key its successor server will accept tokens of, and the address it listens on.</summary>
    public static void WriteStandby(Span<byte> destination, ReadOnlySpan<byte> key, in NetAddress address)
    {
        destination[0] = StandbyMessage;
        key.CopyTo(destination[1..]);
        TokenAddress.Write(destination[33..], address);
    }

    /// <summary>Reads a standby announcement; false for anything but exactly one.</summary>
    public static bool TryReadStandby(ReadOnlySpan<byte> message, out byte[] key, out NetAddress address)
    {
        key = [];
        address = default;
        if (message.Length != StandbyBytes || message[0] != StandbyMessage || !TokenAddress.TryRead(message[33..], out address)) return false;
        key = message.Slice(1, 32).ToArray();
        return true;
    }
}
