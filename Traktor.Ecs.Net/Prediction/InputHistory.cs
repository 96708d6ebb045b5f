namespace Traktor.Ecs.Net.Prediction;

/// <summary>Inputs by tick for the last <see cref="PredictionFormat.HistoryTicks"/> ticks, without allocation.</summary>
/// <typeparam name="TInput">The input struct.</typeparam>
internal sealed class InputHistory<TInput>
    where TInput : struct
{
    private const int Length = PredictionFormat.HistoryTicks;
    private readonly TInput[] inputs = new TInput[Length];
    private readonly uint[] ticks = new uint[Length];
    private readonly bool[] valid = new bool[Length];
    private readonly double[] viewTicks = new double[Length];

    public bool Has(uint tick) => valid[tick % Length] && ticks[tick % Length] == tick;

    public void Store(uint tick, in TInput input, double viewTick = 0)
    {
        int at = (int)(tick % Length);
        inputs[at] = input;
        viewTicks[at] = viewTick;
        ticks[at] = tick;
        valid[at] = true;
    }

    public bool TryGet(uint tick, out TInput input)
    {
        if (Has(tick))
        {
            input = inputs[tick % Length];
            return true;
        }

        input = default;
        return false;
    }

    /// <summary>The view tick stored with the input of <paramref name="tick"/> (0 when none).</summary>
    public double ViewTickOf(uint tick) => Has(tick) ? viewTicks[tick % Length] : 0;
}
