import json,sys,statistics as st
ref=json.load(open(sys.argv[1]))   # run with LightGbm/SDCA/baseline RiemannianMlp
def med(runs,t,tr,key='testMetric'):
    v=[r[key] for r in runs if r['table']==t and r['trainer'].startswith(tr) and r['status']=='ok']
    return st.median(v) if v else None
def metric(d,t,tr):
    # judged metric: auc where table metric auc
    tab=[x for x in d['tables'] if x['name']==t][0] if isinstance(d['tables'],list) else None
    key='testAuc' if tab and tab.get('metric')=='auc' else 'testMetric'
    return med(d['runs'],t,tr,key)
tables=[x['name'] for x in ref['tables']]
print(f"{'table':24}{'base':>8}{'LGBM':>8}{'SDCA':>8}"+"".join(f"{a.split('/')[-2][:10]:>12}" for a in sys.argv[2:]))
tot={a:[] for a in sys.argv[2:]}; ge={a:0 for a in sys.argv[2:]}; w3={a:0 for a in sys.argv[2:]}; sd={a:0 for a in sys.argv[2:]}
for t in tables:
    b=metric(ref,t,'RiemannianMlp'); l=metric(ref,t,'LightGbm'); s=metric(ref,t,'Sdca')
    row=f"{t[:24]:24}{b:8.4f}{l:8.4f}{s:8.4f}"
    for a in sys.argv[2:]:
        d=json.load(open(a)); m=metric(d,t,'RiemannianMlp')
        if m is None: row+=f"{'-':>12}"; continue
        dl=100*(m-l); tot[a].append(dl); ge[a]+=dl>=-1e-9; w3[a]+=dl>=-3; sd[a]+=100*(m-s)>=-1
        row+=f"{m:7.4f}{100*(m-b):+5.1f}"
    print(row)
bd=[100*(metric(ref,t,'RiemannianMlp')-metric(ref,t,'LightGbm')) for t in tables]
print("base: mean vs LGBM %+.2f, >=LGBM %d"%(st.mean(bd),sum(x>=-1e-9 for x in bd)))
for a in sys.argv[2:]:
    print(a, "mean vs LGBM %+.2f, >=LGBM %d, within3 %d, >=SDCA-1 %d of %d"%(st.mean(tot[a]),ge[a],w3[a],sd[a],len(tot[a])))
