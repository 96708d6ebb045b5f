using System.Buffers.Binary;
using Traktor.Ecs.Net.Prediction;
using Traktor.Ecs.Net.Serialization;

namespace Traktor.Ecs.Net;

// Keeping the client's tick ahead of the server's by the input buffer: the server's status, jumps ahead, holds and time dilation.
public sealed partial class ClientPrediction<TInput, TSerializer>
    where TInput : struct
    where TSerializer : struct, IMessageSerializer<TInput>
{
    /// <summary>Inputs later than this many ticks behind the target make the client jump ahead at once.</summary>
    private const int JumpAheadAfterTicks = 4;

    /// <summary>Inputs earlier than this many ticks beyond the target make the client hold still for the excess.</summary>
    private const int HoldAfterTicks = 6;

    private void OnStatus(ReadOnlySpan<byte> status)
    {
        if (status.Length != PredictionFormat.StatusBytes || !started)
        {
            return;
        }

        // The status names the server's tick by its low 16 bits: the one nearest our predicted tick, which runs a
        // buffer and half a round trip ahead of the server's, never 32,768 ticks away.
        ushort low = BinaryPrimitives.ReadUInt16LittleEndian(status[1..]);
        OnStatus(PredictedTick + (uint)(short)(ushort)(low - (ushort)PredictedTick), (sbyte)status[3]);
    }

    /// <summary>A status from a snapshot header (docs/PROTOCOL.md §10.4): it names the tick after the snapshot's.</summary>
    private void OnSnapshotStatus(uint statusTick, sbyte buffered)
    {
        if (started)
        {
            OnStatus(statusTick, buffered);
        }
    }

    private void OnStatus(uint statusTick, sbyte buffered)
    {
        if (buffered == PredictionFormat.NoInputYet)
        {
            return; // the server has no input from us yet
        }

        if ((int)(statusTick - ignoreStatusBefore) < 0)
        {
            return; // it describes inputs sent before our last jump
        }

        ServerBufferedTicks = buffered;

        // A status can say the buffer is off by thousands of ticks (a stall, or a broken peer):
        // no single jump or hold goes further than one history's worth.
        int error = Math.Clamp(buffered - options.TargetBufferTicks, -PredictionFormat.HistoryTicks / 2, PredictionFormat.HistoryTicks);
        double rttTicks = client.Transport.GetStats().RoundTripTimeMs / 1000.0 * clock.TickRate;

        // Inputs that arrive after their tick are useless (the server repeats the last one): jump at once
        // instead of crawling back at a few percent. Right after connecting the RTT is barely known, so the
        // first timeline usually starts a little late; this keeps the buffer from reading negative for seconds.
        if (error < -JumpAheadAfterTicks || buffered < 0)
        {
            // Inputs arrive too late to be used: jump ahead rather than crawl, then wait until the
            // server has seen inputs from the new timeline before judging again.
            PredictedTick += (uint)(-error);
            clock.Reset(PredictedTick);
            clock.RateScale = pace.Scale;
            holdTicks = 0;
            JumpsAhead++;
            ignoreStatusBefore = statusTick + (uint)(-error) + (uint)Math.Ceiling(rttTicks) + 4;
            ServerBufferedTicks = buffered - error; // what the jump restores; reports of the old timeline are ignored
            return;
        }

        if (error > HoldAfterTicks)
        {
            // Inputs arrive far too early (the server ticked slower than we did, or stalled): hold still for the
            // excess instead of crawling back at a few percent, then judge again once the server has seen it.
            holdTicks = error;
            clock.RateScale = pace.Scale;
            HoldsBack++;
            ignoreStatusBefore = statusTick + (uint)error + (uint)Math.Ceiling(rttTicks) + 4;
            return;
        }

        clock.RateScale = pace.Scale * (1.0 - Math.Clamp(error * 0.01, -options.MaxRateAdjustment, options.MaxRateAdjustment));
    }
}
