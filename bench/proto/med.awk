function med(s,  a,n,i,j,t){ n=split(s,a," "); for(i=1;i<=n;i++)for(j=i+1;j<=n;j++)if(a[j]+0<a[i]+0){t=a[i];a[i]=a[j];a[j]=t} return (n%2)?a[(n+1)/2]:(a[n/2]+a[n/2+1])/2 }
{ delete v; for (i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]} key=v["mode"]" "v["n"]; d[key]=d[key]" "v["dcpu_us"]; p[key]=p[key]" "v["p50_us"]; q[key]=q[key]" "v["p99_us"]; o[key]=o[key]" "v["ops_per_s"] }
END { for (k in d) printf "%-14s dcpu_med %6.2f  p50_med %8.1f p99_med %8.1f ops_med %7d   [%s]\n", k, med(d[k]), med(p[k]), med(q[k]), med(o[k]), d[k] }
