using System;
using MLNetRiemannian.Benchmarks;

return args.Length > 0 && args[0] == "step"
    ? StepTiming.Run(args[1..])
    : args.Length > 0 && args[0] == "make-models" ? ModelZips.Run(args[1..])
    : args.Length > 0 && args[0] == "large-data" ? LargeDataMemory.Run(args[1..])
    : args.Length > 0 && args[0] == "sparse-memory" ? SparseMemory.Run(args[1..])
    : args.Length > 0 && args[0] == "clicks" ? Clicks.Run(args[1..])
    : args.Length > 0 && args[0] == "curvature-sweep" ? CurvatureSweep.Run(args[1..])
    : args.Length > 0 && args[0] == "scaling" ? ScalingBenchmark.Run(args[1..])
    : args.Length > 0 && ScoringBenchmark.Handles(args[0]) ? ScoringBenchmark.Run(args)
    : args.Length > 0 && Compare.Handles(args[0]) ? Compare.Run(args)
    : args.Length > 0 && Tables.Handles(args[0]) ? Tables.Run(args)
    : Usage();

static int Usage()
{
    Console.Error.WriteLine("usage: MLNetRiemannian.Benchmarks step [--layers 784,256,10] [--batch 32,64,128] [--curvature 0] [--steps 40] [--threads N]");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks scoring --out DIR [--quick]");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks make-models --out DIR");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks large-data [--rows 1000000] [--features 100] [--file PATH]");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks sparse-memory --table c21|text --data FILE.csv [--trainer riemannian|sdca] [--hidden 256] [--minimum-fill 0.01]; --table products [--batch B] [--width W] [--nonzeros Z] [--outputs O]");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks clicks [--data c31_clicks.csv] [--bits 20] [--runs 3]");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks curvature-sweep [--configs \"batch,curvature,lr,epochs[,mass[,momentum]];...\"] [--data-dir DIR]");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks compare --out DIR [--dataset fashion-mnist|digits|letter] [--epochs 20] [--seeds 3] [--evaluate test|validation] [--trainers A,B] [--set \"Name=Value;...\"] [--quick] [--data-dir DIR]");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks compare-report --in results.json --out DIR");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks scaling --out DIR [--quick] [--threads N]");
    Console.Error.WriteLine("       MLNetRiemannian.Benchmarks tables --out DIR [--quick] [--timeout S] --data FILE --label COL --task multiclass|binary|regression [...] [--data ...]");
    return 2;
}
