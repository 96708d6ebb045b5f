using System.Buffers.Binary;

namespace Traktor.Ecs.Net.Transport.WebSockets;

/// <summary>
/// Counts, in the raw bytes a WebSocket peer sends, the frames that carry no datagram byte: control frames (ping, pong,
/// close) and empty data frames that do not end their message. The server's WebSocket answers each ping with a pong and
/// reads pongs and empty continuations inside one receive call, so none of them reaches the channel's receive buffer,
/// whose back-pressure holds every datagram flood: without a count a peer pinging at line rate kept a Kestrel thread
/// busy answering it (a core on loopback, 74,000 pongs a second, attack review 26) for as long as it stayed connected.
/// A token bucket on the transport's clock (<see cref="StreamTransportOptions.ControlFramesPerSecond"/>,
/// <see cref="StreamTransportOptions.ControlFrameBurst"/>). It also counts the data frames of each message against
/// <see cref="StreamTransportOptions.MaxWebSocketFramesPerMessage"/>: each costs the WebSocket a receive call while
/// every datagram budget counts the message once (one-byte fragments, attack review 27). One reader at a time (the
/// channel's receive task).
/// </summary>
internal sealed class WebSocketFrameBudget
{
    private const int MaxHeaderBytes = 14; // 2, an 8-byte length, a 4-byte mask

    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _burst;
    private readonly int _maxFramesPerMessage;
    private readonly byte[] _header = new byte[MaxHeaderBytes];
    private int _headerLength;
    private long _payloadLeft;
    private int _messageFrames; // data frames of the message not yet ended
    private double _tokens;
    private long _refilledAt; // a timestamp of _time: seconds as a double lose the half second between two pings

    public WebSocketFrameBudget(StreamTransportOptions options, TimeProvider time)
    {
        _time = time;
        _perSecond = options.ControlFramesPerSecond;
        _burst = options.ControlFrameBurst;
        _maxFramesPerMessage = options.MaxWebSocketFramesPerMessage;
        _tokens = _burst;
        _refilledAt = time.GetTimestamp();
    }

    /// <summary>The peer sent a frame past the budget: its connection is closed as a violation.</summary>
    public bool Exceeded => Violation is not null;

    /// <summary>Which budget the peer broke, for the log; null while it has broken none.</summary>
    public string? Violation { get; private set; }

    /// <summary>Frames counted against the budget so far.</summary>
    public long Counted { get; private set; }

    /// <summary>
    /// Scans the next bytes the peer sent (before the WebSocket reads them), frame header by frame header, skipping
    /// payloads; false once a frame without a datagram byte finds the budget empty, or a message's data frames exceed
    /// <see cref="StreamTransportOptions.MaxWebSocketFramesPerMessage"/>.
    /// </summary>
    public bool Scan(ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length && !Exceeded;)
        {
            if (_payloadLeft > 0)
            {
                int skip = (int)Math.Min(_payloadLeft, bytes.Length - i);
                i += skip;
                _payloadLeft -= skip;
                continue;
            }
            _header[_headerLength++] = bytes[i++];
            if (_headerLength < 2) continue;
            int shortLength = _header[1] & 0x7F;
            int needed = 2 + (shortLength == 126 ? 2 : shortLength == 127 ? 8 : 0) + ((_header[1] & 0x80) != 0 ? 4 : 0);
            if (_headerLength < needed) continue;
            ulong length = shortLength switch
            {
                126 => BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2)),
                127 => BinaryPrimitives.ReadUInt64BigEndian(_header.AsSpan(2)),
                _ => (ulong)shortLength,
            };
            _headerLength = 0;
            // A length past long.MaxValue is refused by the WebSocket itself; skipping "forever" is all it needs here.
            _payloadLeft = length > long.MaxValue ? long.MaxValue : (long)length;
            bool final = (_header[0] & 0x80) != 0;
            int opcode = _header[0] & 0x0F;
            if (opcode < 8) CountDataFrame(final);
            if (!Exceeded && (opcode >= 8 || (length == 0 && !final))) Take();
        }
        return !Exceeded;
    }

    /// <summary>A data frame (a message's start or a continuation; the WebSocket refuses any other order).</summary>
    private void CountDataFrame(bool final)
    {
        if (++_messageFrames > _maxFramesPerMessage)
        {
            Violation = $"a message in more than {_maxFramesPerMessage} frames";
            return;
        }
        if (final) _messageFrames = 0;
    }

    private void Take()
    {
        Counted++;
        long now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + Math.Max(0, now - _refilledAt) / (double)_time.TimestampFrequency * _perSecond);
        _refilledAt = now;
        if (_tokens < 1)
        {
            Violation = $"{Counted} control frames past the budget";
            return;
        }
        _tokens -= 1;
    }
}
