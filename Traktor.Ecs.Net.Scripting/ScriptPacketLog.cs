using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Scripting;

/// <summary>
/// The packet capture behind <c>netConfig.logPackets</c>: turning it on attaches a
/// <see cref="PcapngWriter"/> to the transport's options (every packet sent and received is then
/// written, readable by Wireshark/tshark); turning it off flushes and detaches it.
/// </summary>
/// <param name="options">The options object the <see cref="NetClient"/> or <see cref="NetServer"/> was created with (it reads <see cref="NetPeerOptions.Capture"/> live).</param>
/// <param name="openCapture">Opens the stream each capture is written to (called on every switch on).</param>
public sealed class ScriptPacketLog(NetPeerOptions options, Func<Stream> openCapture)
{
    private readonly NetPeerOptions _options = options ?? throw new ArgumentNullException(nameof(options));
    private readonly Func<Stream> _open = openCapture ?? throw new ArgumentNullException(nameof(openCapture));
    private PcapngWriter? _writer;

    /// <summary>Whether packets are being captured.</summary>
    public bool Enabled => _writer is not null;

    /// <summary>Packets written by the current capture.</summary>
    public long PacketCount => _writer?.PacketCount ?? 0;

    /// <summary>Starts or stops the capture (on the tick thread, where the transport runs).</summary>
    /// <param name="enabled">True to capture.</param>
    public void Set(bool enabled)
    {
        if (enabled == Enabled)
        {
            return;
        }

        if (enabled)
        {
            _writer = new PcapngWriter(_open());
            _options.Capture = _writer;
        }
        else
        {
            _options.Capture = null;
            _writer!.Dispose();
            _writer = null;
        }
    }
}
