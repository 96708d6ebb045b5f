using System.Diagnostics.Metrics;
using Traktor.Ecs.Net.Diagnostics;
using Traktor.Ecs.Net.Transport;

namespace Traktor.Ecs.Net.Tests.Transport;

public class MetricsTests
{
    [Fact]
    public void Transport_instruments_report_on_the_assembly_meter()
    {
        var totals = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Traktor.Ecs.Net") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (totals) totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + value;
        });
        listener.Start();

        using (var h = new TransportHarness())
        {
            var client = h.Connect(1);
            client.Send(ChannelKind.ReliableOrdered, [1]);
            h.Step();
            client.Disconnect();
            h.Step();
        }
        listener.RecordObservableInstruments();
        Assert.Equal(NetMetrics.MeterName, NetMetrics.Meter.Name);
        lock (totals)
        {
            Assert.True(totals.GetValueOrDefault("traktor.net.packets.sent") > 0);
            Assert.True(totals.GetValueOrDefault("traktor.net.bytes.received") > 0);
            Assert.True(totals.GetValueOrDefault("traktor.net.connections") >= 2); // both ends
            Assert.True(totals.GetValueOrDefault("traktor.net.disconnections") >= 2);
        }
    }

    [Fact]
    public void A_client_counts_the_bytes_it_receives_as_well_as_the_packets()
    {
        // Only what this thread records while a client updates: other tests' servers share the process-wide meter.
        int thread = Environment.CurrentManagedThreadId;
        bool inClientUpdate = false;
        long packets = 0, bytes = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NetMetrics.MeterName && instrument.Name is "traktor.net.packets.received" or "traktor.net.bytes.received")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (!inClientUpdate || Environment.CurrentManagedThreadId != thread) return;
            if (instrument.Name == "traktor.net.packets.received") packets += value;
            else bytes += value;
        });
        listener.Start();

        using var h = new TransportHarness();
        var client = h.Connect(1);
        var connection = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        h.Server.Send(connection, ChannelKind.ReliableOrdered, new byte[100]);
        for (int i = 0; i < 10; i++)
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(16));
            h.Wire.Settle();
            h.Server.Update();
            h.Wire.Settle();
            inClientUpdate = true;
            client.Update();
            inClientUpdate = false;
        }

        Assert.True(packets > 0, "the client received nothing");
        Assert.True(bytes >= packets + 100, $"{packets} packets received, counted as {bytes} bytes");
    }

    [Fact]
    public void Per_connection_gauges_carry_the_client_id()
    {
        var rtt = new List<(double Value, object? ClientId, object? Role)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "traktor.net.connection.rtt") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            object? clientId = null, role = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "traktor.client_id") clientId = tag.Value;
                if (tag.Key == "traktor.role") role = tag.Value;
            }
            lock (rtt) rtt.Add((value, clientId, role));
        });
        listener.Start();
        using var h = new TransportHarness(new() { LatencyMs = 25 });
        var client = h.AddClient(new() { LatencyMs = 25 });
        client.Connect(h.IssueToken(31337));
        Assert.True(h.RunUntil(() => client.State == ClientState.Connected));
        for (int i = 0; i < 30; i++) h.Step();
        listener.RecordObservableInstruments();
        lock (rtt)
        {
            Assert.Contains(rtt, m => Equals(m.ClientId, 31337UL) && Equals(m.Role, "server") && m.Value > 40);
        }
    }

    [Fact]
    public void Reliable_resends_count_on_the_process_wide_resends_counter()
    {
        // traktor.net.resends was documented and created, yet nothing ever added to it. Only what this thread records
        // counts: other tests' connections share the process-wide meter.
        int thread = Environment.CurrentManagedThreadId;
        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NetMetrics.MeterName && instrument.Name == "traktor.net.resends") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            if (Environment.CurrentManagedThreadId == thread) counted += value;
        });
        listener.Start();

        var lossy = new LinkConditions { LatencyMs = 20, LossPercent = 30 };
        using var h = new TransportHarness(lossy, seed: 5);
        var client = h.Connect(1, lossy, seed: 6);
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        for (int i = 0; i < 200; i++) Assert.Equal(SendResult.Queued, client.Send(ChannelKind.ReliableOrdered, [(byte)i]));
        Assert.True(h.RunUntil(() => client.GetStats().PendingReliable == 0), "the messages were not all acknowledged");

        Assert.True(h.Server.TryGetStats(id, out var serverSide));
        long resends = client.GetStats().Resends + serverSide.Resends;
        Assert.True(resends > 0, "a 30 % lossy link resent nothing");
        Assert.Equal(resends, counted);
    }

    [Fact]
    public void Congestion_gauges_report_the_window_and_the_bytes_in_flight_per_connection()
    {
        const ulong ClientId = 4242;
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NetMetrics.MeterName
                && instrument.Name is "traktor.net.connection.cwnd" or "traktor.net.connection.in_flight" or "traktor.net.connection.loss_events")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            object? clientId = null, role = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "traktor.client_id") clientId = tag.Value;
                if (tag.Key == "traktor.role") role = tag.Value;
            }
            if (Equals(clientId, ClientId) && Equals(role, "server")) lock (seen) seen[instrument.Name] = value;
        });
        listener.Start();

        using var h = new TransportHarness(new() { LatencyMs = 50 });
        h.Connect(ClientId, new() { LatencyMs = 50 });
        var id = h.DrainServer().Single(e => e.Type == NetEventType.Connected).Connection;
        for (int i = 0; i < 20; i++) Assert.Equal(SendResult.Queued, h.Server.Send(id, ChannelKind.ReliableOrdered, new byte[500]));
        h.Step(); // sent, not acknowledged yet: 50 ms each way
        Assert.True(h.Server.TryGetStats(id, out var stats));
        listener.RecordObservableInstruments();

        Assert.True(stats.BytesInFlight > 0, "nothing in flight right after the send");
        Assert.True(stats.CongestionWindowBytes >= stats.BytesInFlight, $"{stats.BytesInFlight} B in flight over a window of {stats.CongestionWindowBytes} B");
        lock (seen)
        {
            Assert.Equal(stats.CongestionWindowBytes, seen["traktor.net.connection.cwnd"]);
            Assert.Equal(stats.BytesInFlight, seen["traktor.net.connection.in_flight"]);
            Assert.Equal(stats.LossEvents, seen["traktor.net.connection.loss_events"]);
        }

        Assert.True(h.RunUntil(() => h.Server.TryGetStats(id, out var s) && s.PendingReliable == 0));
        Assert.True(h.Server.TryGetStats(id, out var settled));
        Assert.Equal(0, settled.BytesInFlight);
    }
}
