using System.Security.Cryptography;
using Traktor.Ecs.Net.Transport;
using Traktor.Ecs.Net.Transport.Security;

namespace Traktor.Ecs.Net.Tests.Transport;

public class CipherSuiteTests
{
    private static readonly CipherSuites Local = PacketCipher.LocallySupported;

    [Theory]
    [InlineData(CipherSuites.ChaCha20Poly1305)]
    [InlineData(CipherSuites.Aes256Gcm)]
    public void Libsodium_output_equals_the_platform_implementation_of_the_same_algorithm(CipherSuites suite)
    {
        Assert.SkipWhen((suite & Local) == 0, "this CPU has no AES instructions, so AES-256-GCM is never used here");
        var key = RandomNumberGenerator.GetBytes(32);
        var plain = RandomNumberGenerator.GetBytes(100);
        var associated = RandomNumberGenerator.GetBytes(9);
        using var ours = new PacketCipher(suite, key);
        var cipher = new byte[plain.Length];
        var tag = new byte[16];
        ours.Encrypt(0x0102030405060708, associated, plain, cipher, tag);

        // The nonce is 4 zero bytes then the sequence, little-endian (docs/PROTOCOL.md §4).
        var nonce = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(nonce.AsSpan(4), 0x0102030405060708);
        var expected = new byte[plain.Length];
        var expectedTag = new byte[16];
        if (suite == CipherSuites.Aes256Gcm)
        {
            using var aes = new AesGcm(key, 16);
            aes.Encrypt(nonce, plain, expected, expectedTag, associated);
        }
        else
        {
            Assert.SkipUnless(ChaCha20Poly1305.IsSupported, "the platform has no ChaCha20-Poly1305 to compare with");
            using var chacha = new ChaCha20Poly1305(key);
            chacha.Encrypt(nonce, plain, expected, expectedTag, associated);
        }
        Assert.Equal(expected, cipher);
        Assert.Equal(expectedTag, tag);
    }

    [Theory]
    [InlineData(CipherSuites.ChaCha20Poly1305)]
    [InlineData(CipherSuites.Aes256Gcm)]
    public void Altered_bytes_wrong_sequence_or_other_suite_fail_to_open_without_throwing(CipherSuites suite)
    {
        Assert.SkipWhen((suite & Local) == 0, "this CPU has no AES instructions, so AES-256-GCM is never used here");
        var key = RandomNumberGenerator.GetBytes(32);
        using var cipher = new PacketCipher(suite, key);
        var other = suite == CipherSuites.Aes256Gcm ? CipherSuites.ChaCha20Poly1305 : CipherSuites.Aes256Gcm;
        var plain = RandomNumberGenerator.GetBytes(64);
        var associated = new byte[9];
        var sealedBytes = new byte[64];
        var tag = new byte[16];
        var opened = new byte[64];
        cipher.Encrypt(7, associated, plain, sealedBytes, tag);
        Assert.True(cipher.TryDecrypt(7, associated, sealedBytes, tag, opened));
        Assert.Equal(plain, opened);
        Assert.False(cipher.TryDecrypt(8, associated, sealedBytes, tag, opened));
        for (int i = 0; i < 64; i += 7)
        {
            sealedBytes[i] ^= 1;
            Assert.False(cipher.TryDecrypt(7, associated, sealedBytes, tag, opened));
            sealedBytes[i] ^= 1;
        }
        tag[15] ^= 0x80;
        Assert.False(cipher.TryDecrypt(7, associated, sealedBytes, tag, opened));
        tag[15] ^= 0x80;
        associated[0] = 4;
        Assert.False(cipher.TryDecrypt(7, associated, sealedBytes, tag, opened));
        associated[0] = 0;
        if ((other & Local) != 0)
        {
            using var wrongSuite = new PacketCipher(other, key);
            Assert.False(wrongSuite.TryDecrypt(7, associated, sealedBytes, tag, opened));
        }
    }

    [Fact]
    public void Sealing_and_opening_a_packet_allocates_nothing()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        foreach (var suite in new[] { CipherSuites.ChaCha20Poly1305, CipherSuites.Aes256Gcm })
        {
            if ((suite & Local) == 0) continue;
            using var cipher = new PacketCipher(suite, key);
            var plain = new byte[200];
            var sealedBytes = new byte[200];
            var tag = new byte[16];
            var associated = new byte[9];
            for (ulong s = 0; s < 100; s++)
            {
                // Warm up the stubs of both directions before measuring.
                cipher.Encrypt(s, associated, plain, sealedBytes, tag);
                Assert.True(cipher.TryDecrypt(s, associated, sealedBytes, tag, plain));
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (ulong s = 100; s < 1100; s++)
            {
                cipher.Encrypt(s, associated, plain, sealedBytes, tag);
                Assert.True(cipher.TryDecrypt(s, associated, sealedBytes, tag, plain));
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void Server_picks_AES_GCM_when_both_ends_can_and_ChaCha20_when_the_client_offers_only_that()
    {
        using var h = new TransportHarness();
        var both = h.AddClient();
        both.Connect(h.IssueToken(1));
        var chachaOnly = h.AddClient(configure: o => o.CipherSuites = CipherSuites.ChaCha20Poly1305);
        chachaOnly.Connect(h.IssueToken(2));
        Assert.True(h.RunUntil(() => both.State == ClientState.Connected && chachaOnly.State == ClientState.Connected));
        Assert.Equal((Local & CipherSuites.Aes256Gcm) != 0 ? CipherSuites.Aes256Gcm : CipherSuites.ChaCha20Poly1305, both.CipherSuite);
        Assert.Equal(CipherSuites.ChaCha20Poly1305, chachaOnly.CipherSuite);

        // Data flows both ways on both connections, so both ends really use the same suite.
        h.DrainServer();
        both.Send(ChannelKind.ReliableOrdered, [1]);
        chachaOnly.Send(ChannelKind.ReliableOrdered, [2]);
        h.Step();
        h.Step();
        var messages = h.DrainServer().Where(e => e.Type == NetEventType.Message).ToList();
        Assert.Equal(2, messages.Count);
        foreach (var m in messages) h.Server.Send(m.Connection, ChannelKind.ReliableOrdered, [9]);
        h.Step();
        h.Step();
        Assert.Contains(TransportHarness.DrainClient(both), e => e.Type == NetEventType.Message);
        Assert.Contains(TransportHarness.DrainClient(chachaOnly), e => e.Type == NetEventType.Message);
    }

    [Fact]
    public void No_common_suite_is_refused_with_CipherMismatch_on_both_sides()
    {
        Assert.SkipWhen((Local & CipherSuites.Aes256Gcm) == 0, "this CPU has no AES instructions: an AES-only server cannot start a connection here");
        using var h = new TransportHarness(configure: o => o.CipherSuites = CipherSuites.Aes256Gcm);
        var client = h.AddClient(configure: o => o.CipherSuites = CipherSuites.ChaCha20Poly1305);
        client.Connect(h.IssueToken(1));
        h.RunUntil(() => client.State == ClientState.Disconnected, maxSteps: 300);
        Assert.Equal(DisconnectReason.CipherMismatch, client.LastDisconnectReason);
        Assert.Equal(DisconnectReason.CipherMismatch, TransportHarness.DrainClient(client).Single(e => e.Type == NetEventType.Disconnected).Reason);
        Assert.Equal(0, h.Server.ConnectionCount);
        Assert.Contains(h.ServerLog.Lines, l => l.Message.Contains("CipherMismatch"));
    }
}
