using Traktor.Ecs.Net.Sessions;

namespace Traktor.Ecs.Net.Fuzz.Seeding;

/// <summary>Seed scripts for the handshakes: the exchanges a real client makes, as the targets' ops.</summary>
internal static class ScriptSeeds
{
    /// <summary>Secure and insecure handshakes that end in a connection, then real payloads on it.</summary>
    public static IEnumerable<byte[]> Handshake()
    {
        var payloads = TrafficSeeds.PayloadPlaintexts().Take(6).ToList();
        // Request (no patches), update, response (no patches), update: a connection, then payloads on it.
        var secure = new ScriptWriter().Byte(1).Byte(0).Byte(0).Byte(0).Byte(0).Byte(3).Byte(0).Byte(1)
            .Byte(2).Byte(0).Byte(0).Byte(3).Byte(0).Byte(1);
        foreach (var (flags, plaintext) in payloads) secure.Byte(4).Byte(0).Byte(flags).Block(plaintext);
        secure.Byte(3).Byte(0).Byte(2);
        yield return secure.ToArray();
        // Two addresses, the second sending a raw copy of a request and then a patched one.
        yield return new ScriptWriter().Byte(1).Byte(0).Byte(0).Byte(0).Byte(0).Byte(5).Byte(1).Byte(0).Byte(1).UInt16(600).Byte(9)
            .Byte(3).Byte(1).Byte(1).Byte(2).Byte(0).Byte(0).Byte(3).Byte(0).Byte(1).ToArray();
        // The insecure handshake: request, update, response, update, a payload from the raw path.
        var insecure = new ScriptWriter().Byte(7).Byte(0).Byte(0).Byte(0).Byte(3).Byte(0).Byte(1).Byte(7).Byte(0).Byte(1).Byte(0).Byte(3).Byte(0).Byte(1);
        yield return insecure.ToArray();
        // Raw garbage and a short datagram.
        yield return new ScriptWriter().Byte(0).Byte(2).Block([0, 1, 2, 3]).Byte(6).Byte(1).Block([6]).Byte(3).Byte(2).Byte(1).ToArray();
    }

    /// <summary>The client target's scripted handshake: update (request sent), challenge, update (response), used before payloads.</summary>
    public static void ClientHandshake(ScriptWriter w) => w.Byte(5).Byte(0).Byte(1).Byte(0x10).Byte(0).Byte(5).Byte(4);

    public static IEnumerable<byte[]> Client()
    {
        foreach (var seed in TrafficSeeds.ClientPayloads()) yield return seed;
        // A denial before any challenge, and a challenge choosing another suite.
        yield return new ScriptWriter().Byte(5).Byte(0).Byte(2).Byte(7).Byte(5).Byte(1).ToArray();
        yield return new ScriptWriter().Byte(5).Byte(0).Byte(1).Byte(0).Byte(1).UInt16(24).Byte(2).Byte(5).Byte(1).ToArray();
    }

    /// <summary>
    /// The version-answer target's scripts (ops: 0 answer [shape, version, patches], 2 raw [block, source], 3 challenge
    /// [patches], 4 time [ms / 4]): a valid answer; the client's own version, a spoofed source, a wrong echo, a short and a
    /// long answer, each before a valid one; a challenge before a valid answer (ignored); raw bytes, then the timeout.
    /// </summary>
    public static IEnumerable<byte[]> VersionAnswers()
    {
        ScriptWriter Valid(ScriptWriter w) => w.Byte(0).Byte(0).Byte(0).Byte(0);
        yield return Valid(new ScriptWriter()).ToArray();
        yield return Valid(new ScriptWriter().Byte(0).Byte(0).Byte(2).Byte(0)).ToArray();
        yield return Valid(new ScriptWriter().Byte(0).Byte(4).Byte(0).Byte(0).Byte(4).Byte(25)).ToArray();
        yield return Valid(new ScriptWriter().Byte(0).Byte(0).Byte(0).Byte(1).UInt16(9).Byte(0xAA)).ToArray();
        yield return Valid(new ScriptWriter().Byte(0).Byte(1).Byte(0).Byte(0).Byte(0).Byte(2).Byte(0).Byte(0)).ToArray();
        yield return Valid(new ScriptWriter().Byte(3).Byte(0)).ToArray();
        var timeout = new ScriptWriter().Byte(2).Block([8, .. "TRKNET42"u8, 1, 2, 3, 4, 5, 6, 7, 8]).Byte(1);
        for (int i = 0; i < 8; i++) timeout.Byte(4).Byte(255);
        yield return timeout.ToArray();
    }

    public static IEnumerable<byte[]> SessionTickets()
    {
        var buffer = new byte[SessionTicket.MaxSize];
        foreach (var (players, name) in new[] { (8, "arena"), (1, ""), (SessionLimits.MaxPlayers, "ünïcødé room ✓"), (64, new string('x', 80)) })
        {
            var ticket = new SessionTicket(new SessionId(new Guid(0x11223344, 5, 6, [1, 2, 3, 4, 5, 6, 7, 8])), Targets.Wire.Start, players, name);
            int length = ticket.Write(buffer);
            yield return buffer.AsSpan(0, length).ToArray();
        }
    }
}
