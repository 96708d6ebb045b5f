using System.Buffers.Binary;
using System.Diagnostics;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

public class PcapngCaptureTests
{
    private sealed record Packet(byte[] Source, ushort SourcePort, byte[] Destination, ushort DestinationPort, byte[] Payload);

    /// <summary>An independent reader of the pcapng subset we write: SHB, IDB, EPB (IPv6 + UDP).</summary>
    private static List<Packet> Parse(byte[] file)
    {
        var packets = new List<Packet>();
        int at = 0;
        bool sawSection = false, sawInterface = false;
        while (at < file.Length)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + 4));
            Assert.True(length >= 12 && length % 4 == 0 && at + length <= file.Length, $"bad block length {length}");
            Assert.Equal((uint)length, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(at + length - 4)));
            var block = file.AsSpan(at, length);
            switch (type)
            {
                case 0x0A0D0D0A:
                    Assert.Equal(0x1A2B3C4Du, BinaryPrimitives.ReadUInt32LittleEndian(block[8..]));
                    Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(block[12..]));
                    sawSection = true;
                    break;
                case 1:
                    Assert.Equal(PcapngWriter.LinkTypeRaw, BinaryPrimitives.ReadUInt16LittleEndian(block[8..]));
                    sawInterface = true;
                    break;
                case 6:
                    Assert.True(sawSection && sawInterface);
                    int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(block[20..]);
                    var ip = block.Slice(28, captured);
                    Assert.Equal(6, ip[0] >> 4);
                    Assert.Equal(17, ip[6]);
                    int udpLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
                    Assert.Equal(captured - 40, udpLength);
                    var udp = ip[40..];
                    Assert.Equal(udpLength, BinaryPrimitives.ReadUInt16BigEndian(udp[4..]));
                    Assert.Equal(0, OnesComplementSum(ip[8..40], udp[..udpLength]));
                    packets.Add(new Packet(ip[8..24].ToArray(), BinaryPrimitives.ReadUInt16BigEndian(udp), ip[24..40].ToArray(),
                        BinaryPrimitives.ReadUInt16BigEndian(udp[2..]), udp[8..udpLength].ToArray()));
                    break;
            }
            at += length;
        }
        return packets;
    }

    /// <summary>A correct UDP checksum makes the sum over pseudo-header and datagram 0xFFFF, i.e. its complement 0.</summary>
    private static int OnesComplementSum(ReadOnlySpan<byte> addresses, ReadOnlySpan<byte> udp)
    {
        ulong sum = (uint)udp.Length + 17u;
        for (int i = 0; i < 32; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(addresses[i..]);
        for (int i = 0; i + 1 < udp.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(udp[i..]);
        if ((udp.Length & 1) != 0) sum += (uint)udp[^1] << 8;
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (int)(~sum & 0xFFFF);
    }

    [Fact]
    public void Captured_packets_read_back_with_the_handshake_and_plaintext_payloads()
    {
        var stream = new MemoryStream();
        var capture = new PcapngWriter(stream, ownsStream: false);
        using (var h = new TransportHarness(configure: o => o.Capture = capture))
        {
            var client = h.Connect(1);
            client.Send(ChannelKind.ReliableOrdered, "hello wireshark"u8);
            h.Step();
            h.Step();
        }
        capture.Dispose();
        var file = stream.ToArray();
        var packets = Parse(file);
        Assert.Equal(capture.PacketCount, packets.Count);
        Assert.True(packets.Count >= 6);
        // The handshake as it travels, then sealed packets before encryption (prefix, sequence, plaintext): the
        // challenge (34 bytes), payloads, and the server's three disconnects when it shuts down.
        Assert.Equal(new[] { 0, 1, 2, 4, 5 }, packets.Select(p => p.Payload[0] & 0x0F).Distinct().Order());
        Assert.All(packets.Where(p => (p.Payload[0] & 0x0F) == 1), p => Assert.Equal(34, p.Payload.Length)); // 8-byte stateless sequence
        var disconnects = packets.Where(p => (p.Payload[0] & 0x0F) == 5).ToList();
        Assert.Equal(3, disconnects.Count);
        Assert.All(disconnects, p => Assert.Equal(new byte[] { 5, (byte)DisconnectReason.ServerShutdown }, new[] { (byte)(p.Payload[0] & 0x1F), p.Payload[^1] }));
        Assert.Contains(packets, p => p.Payload.AsSpan().IndexOf("hello wireshark"u8) >= 0);

        if (FindTshark() is { } tshark)
        {
            var path = Path.Combine(Path.GetTempPath(), $"traktor-{Guid.NewGuid():N}.pcapng");
            File.WriteAllBytes(path, file);
            try
            {
                // Only packets that decode as IPv6/UDP with a verified-good checksum are listed.
                var run = Process.Start(new ProcessStartInfo(tshark, ["-r", path, "-o", "udp.check_checksum:TRUE", "-Y", "ipv6 && udp.checksum.status == 1", "-T", "fields", "-e", "udp.length"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!;
                string output = run.StandardOutput.ReadToEnd();
                run.WaitForExit();
                Assert.Equal(0, run.ExitCode);
                Assert.Equal(packets.Count, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    private static string? FindTshark() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "tshark"))
            .FirstOrDefault(File.Exists);
}
