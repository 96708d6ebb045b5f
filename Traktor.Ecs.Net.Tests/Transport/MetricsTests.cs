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
}
