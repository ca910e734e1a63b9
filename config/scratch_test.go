package config
import ("testing";"fmt";"os")
func TestScratch(t *testing.T){
  c, err := Load(LoadOptions{Dir:"/tmp/t1", Environ: os.Environ()})
  if err != nil { t.Fatal(err) }
  for k, v := range c.positions { if len(k) > 9 && k[:9]=="pipelines" { fmt.Println(k, v) } }
}
